//! Key-ring XML: `<key>` and `<revocation>` elements as `XmlKeyManager` writes them, read
//! from a file, a directory (`FileSystemXmlRepository`) or a `.reg` export of the registry
//! repository (`RegistryXmlRepository`).

use std::path::Path;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zeroize::Zeroizing;

use super::KeyId;
use super::algorithm::{Algorithm, AuthenticatedEncryptor, BlockCipher, MacAlgorithm};
use super::resolver::{
    KeyMetadata, NEW_KEY_LIFETIME, Resolution, ResolverVersion, resolve_default_key,
};
use super::xml_encryption::EncryptedSecret;
use crate::error::{Error, FileError, UnusableKey};
pub use crate::error::{KeyRingError, KeyRingErrorKind};
use crate::random::RandomSource;

/// The largest key file read (1 MiB; ASP.NET's are about 1 KB).
pub const MAX_KEY_FILE: u64 = 1 << 20;
/// The most `*.xml` files read from one key-ring directory.
pub const MAX_KEY_FILES: usize = 10_000;
/// The largest registry export read as a key ring (16 MiB).
pub const MAX_KEY_RING_EXPORT: u64 = 16 << 20;

const DEFAULT_DESERIALIZER: &str = "Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=2.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60";
const DP_NAMESPACE: &str = "http://schemas.asp.net/2015/03/dataProtection";

fn ring_error(origin: &str, kind: KeyRingErrorKind) -> Error {
    Error::KeyRing(KeyRingError::new(origin, kind))
}

/// How a key's master key is protected at rest, when it is (`<encryptedSecret>`).
/// Without the secret on the host that wrote it the key cannot be used; its id, dates and
/// algorithm are still known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AtRestProtection {
    /// Windows DPAPI (`DpapiXmlDecryptor`): the writing user's profile, or the machine.
    Dpapi,
    /// Windows DPAPI-NG (`DpapiNGXmlDecryptor`), with its protection rule (who can decrypt).
    DpapiNg {
        /// The rule, e.g. `SID=S-1-5-21-…`, when the comment is present.
        rule: Option<String>,
    },
    /// An X.509 certificate (`ProtectKeysWithCertificate`: `EncryptedXmlDecryptor`, W3C XML
    /// Encryption); with the feature `certificate`, a PFX opens it
    /// (`KeyRing::decrypt_with_certificates`).
    Certificate {
        /// The certificate's subject, when `KeyInfo` names it by subject or name.
        certificate: Option<String>,
        /// The SHA-1 thumbprint (upper-case hex) of the certificate `KeyInfo` carries: the
        /// certificate the key needs.
        thumbprint: Option<String>,
    },
    /// Another decryptor (Azure Key Vault, custom).
    Other {
        /// The `decryptorType` attribute.
        decryptor_type: String,
    },
}

impl core::fmt::Display for AtRestProtection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Dpapi => f.write_str("Windows DPAPI"),
            Self::DpapiNg { rule: Some(r) } => write!(f, "Windows DPAPI-NG (rule {r})"),
            Self::DpapiNg { rule: None } => f.write_str("Windows DPAPI-NG"),
            Self::Certificate {
                thumbprint: Some(t),
                ..
            } => write!(f, "the X.509 certificate with thumbprint {t}"),
            Self::Certificate {
                certificate: Some(c),
                thumbprint: None,
            } => write!(f, "an X.509 certificate ({c})"),
            Self::Certificate {
                certificate: None,
                thumbprint: None,
            } => f.write_str("an X.509 certificate"),
            Self::Other { decryptor_type } => write!(f, "{decryptor_type}"),
        }
    }
}

#[derive(Clone)]
enum Material {
    Clear(Box<AuthenticatedEncryptor>),
    /// Encrypted at rest; for a certificate, the `<EncryptedData>` to open it with (read
    /// only with the feature `certificate`).
    AtRest(
        AtRestProtection,
        #[cfg_attr(not(feature = "certificate"), allow(dead_code))] Option<Box<EncryptedSecret>>,
    ),
    Unusable(String),
}

/// One key of a key ring.
///
/// # Example
/// ```
/// use machinekey::dataprotection::{Algorithm, Key};
/// use machinekey::random::OsRandom;
/// let now = time::OffsetDateTime::now_utc();
/// let key = Key::generate(now, Algorithm::default(), &OsRandom)?;
/// assert_eq!(key.expiration() - key.activation(), time::Duration::days(90));
/// let again = Key::from_xml(&key.to_xml(), "written")?;
/// assert_eq!(again.id(), key.id());
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Clone)]
pub struct Key {
    id: KeyId,
    creation: OffsetDateTime,
    activation: OffsetDateTime,
    expiration: OffsetDateTime,
    revoked: bool,
    deserializer: String,
    algorithm: Option<Algorithm>,
    material: Material,
    origin: String,
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Key")
            .field("id", &self.id)
            .field("creation", &self.creation)
            .field("activation", &self.activation)
            .field("expiration", &self.expiration)
            .field("revoked", &self.revoked)
            .field("algorithm", &self.algorithm)
            .field("master_key", &"[redacted]")
            .finish()
    }
}

impl Key {
    /// A new key as the key manager makes one: a random id and 64-byte master key,
    /// activation at `now`, expiration 90 days later.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// See [`Key`].
    pub fn generate(
        now: OffsetDateTime,
        algorithm: Algorithm,
        rng: &dyn RandomSource,
    ) -> Result<Self, Error> {
        let mut master = Zeroizing::new([0u8; 64]);
        rng.fill(master.as_mut())?;
        let id = KeyId::random(rng)?;
        Self::from_parts(
            id,
            now,
            now,
            now + NEW_KEY_LIFETIME,
            algorithm,
            master.as_ref(),
        )
    }

    /// A key from its parts (an unencrypted master key).
    ///
    /// # Errors
    /// [`ArgumentError::KeyLength`](crate::ArgumentError::KeyLength) if the algorithm's key length is not supported.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, Key};
    /// use time::macros::datetime;
    /// let t = datetime!(2017-12-13 09:51:56 UTC);
    /// let key = Key::from_parts("657cf77b-e662-48e4-912a-c80edc60e56b".parse()?, t, t, t + time::Duration::days(90), Algorithm::default(), &[7; 64])?;
    /// assert!(key.to_xml().contains("<encryption algorithm=\"AES_256_CBC\" />"));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_parts(
        id: KeyId,
        creation: OffsetDateTime,
        activation: OffsetDateTime,
        expiration: OffsetDateTime,
        algorithm: Algorithm,
        master_key: &[u8],
    ) -> Result<Self, Error> {
        Ok(Self {
            id,
            creation,
            activation,
            expiration,
            revoked: false,
            deserializer: "AuthenticatedEncryptorDescriptorDeserializer".to_owned(),
            algorithm: Some(algorithm),
            material: Material::Clear(Box::new(AuthenticatedEncryptor::new(
                master_key, algorithm,
            )?)),
            origin: String::new(),
        })
    }

    /// Reads one `<key>` element (a key file's text).
    ///
    /// # Errors
    /// [`Error::KeyRing`] naming `origin` if the text is not a readable `<key>` element.
    ///
    /// # Example
    /// See [`Key`].
    pub fn from_xml(xml: &str, origin: &str) -> Result<Self, Error> {
        let doc = parse_xml(xml, origin)?;
        let root = doc.root_element();
        if root.tag_name().name() != "key" {
            return Err(ring_error(origin, KeyRingErrorKind::NotAKey));
        }
        parse_key(root, origin)
            .map_err(|reason| ring_error(origin, KeyRingErrorKind::InvalidKey { reason }))
    }

    /// The key id.
    #[must_use]
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// `creationDate`.
    #[must_use]
    pub fn creation(&self) -> OffsetDateTime {
        self.creation
    }

    /// `activationDate`.
    #[must_use]
    pub fn activation(&self) -> OffsetDateTime {
        self.activation
    }

    /// `expirationDate`.
    #[must_use]
    pub fn expiration(&self) -> OffsetDateTime {
        self.expiration
    }

    /// Whether a revocation in the ring covers this key.
    #[must_use]
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }

    /// Whether the key has expired at `now` (`expirationDate <= now`).
    #[must_use]
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expiration <= now
    }

    /// The descriptor's algorithm, if it could be read.
    #[must_use]
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.algorithm
    }

    /// The deserializer's simple type name (`AuthenticatedEncryptorDescriptorDeserializer`…).
    #[must_use]
    pub fn deserializer(&self) -> &str {
        &self.deserializer
    }

    /// How the master key is protected at rest, if it is.
    #[must_use]
    pub fn at_rest_protection(&self) -> Option<&AtRestProtection> {
        match &self.material {
            Material::AtRest(p, _) => Some(p),
            _ => None,
        }
    }

    /// Where the key was read from (file name or registry value name).
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The key's encryptor.
    ///
    /// # Errors
    /// [`Error::KeyUnavailable`] naming the key when its master key is encrypted at rest or
    /// its descriptor cannot be used.
    ///
    /// # Example
    /// ```
    /// # use machinekey::dataprotection::{Algorithm, Key};
    /// # let key = Key::generate(time::OffsetDateTime::now_utc(), Algorithm::default(), &machinekey::random::OsRandom)?;
    /// assert_eq!(key.encryptor()?.algorithm(), Algorithm::default());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encryptor(&self) -> Result<&AuthenticatedEncryptor, Error> {
        match &self.material {
            Material::Clear(e) => Ok(e),
            Material::AtRest(p @ AtRestProtection::Certificate { thumbprint, .. }, _) => {
                Err(Error::KeyUnavailable {
                    id: self.id,
                    reason: UnusableKey::CertificateRequired {
                        protection: p.to_string(),
                        thumbprint: thumbprint.clone(),
                    },
                })
            }
            Material::AtRest(p, _) => Err(Error::KeyUnavailable {
                id: self.id,
                reason: UnusableKey::EncryptedAtRest {
                    protection: p.to_string(),
                },
            }),
            Material::Unusable(reason) => Err(Error::KeyUnavailable {
                id: self.id,
                reason: UnusableKey::Unsupported {
                    reason: reason.clone(),
                },
            }),
        }
    }

    /// Whether an encryptor can be made (what the default-key rules call "decryptable").
    #[must_use]
    pub fn is_usable(&self) -> bool {
        matches!(self.material, Material::Clear(_))
    }

    fn metadata(&self) -> KeyMetadata {
        KeyMetadata {
            id: self.id,
            creation: self.creation,
            activation: self.activation,
            expiration: self.expiration,
            revoked: self.revoked,
            usable: self.is_usable(),
        }
    }

    /// The key as an unencrypted key file, in the form ASP.NET writes without an XML
    /// encryptor (default descriptor, master key in clear with the warning comment).
    /// Handle the output as the secret it is.
    ///
    /// Keys read with another descriptor, or encrypted at rest, are written with what this
    /// crate holds: the default descriptor and the clear master key, or (encrypted at
    /// rest) no master key at all.
    #[must_use]
    pub fn to_xml(&self) -> String {
        let mut descriptor = String::new();
        match self.algorithm {
            Some(Algorithm::Gcm { key_len }) => {
                descriptor.push_str(&format!(
                    "      <encryption algorithm=\"AES_{}_GCM\" />\n      <!-- AES-GCM includes a 128-bit authentication tag, no extra validation algorithm required. -->\n",
                    key_len * 8
                ));
            }
            Some(Algorithm::Cbc { key_len, mac, .. }) => {
                descriptor.push_str(&format!(
                    "      <encryption algorithm=\"AES_{}_CBC\" />\n      <validation algorithm=\"{}\" />\n",
                    key_len * 8,
                    mac.as_str()
                ));
            }
            None => {}
        }
        if let Material::Clear(e) = &self.material {
            descriptor.push_str(&format!(
                "      <masterKey p4:requiresEncryption=\"true\" xmlns:p4=\"{DP_NAMESPACE}\">\n        <!-- Warning: the key below is in an unencrypted form. -->\n        <value>{}</value>\n      </masterKey>\n",
                crate::crypto::encoding::to_base64(e.expose_master_key())
            ));
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<key id=\"{}\" version=\"1\">\n  <creationDate>{}</creationDate>\n  <activationDate>{}</activationDate>\n  <expirationDate>{}</expirationDate>\n  <descriptor deserializerType=\"{DEFAULT_DESERIALIZER}\">\n    <descriptor>\n{descriptor}    </descriptor>\n  </descriptor>\n</key>\n",
            self.id,
            format_date(self.creation),
            format_date(self.activation),
            format_date(self.expiration),
        )
    }
}

/// Seven fractional digits with trailing zeros dropped (`.FFFFFFF`), dot included.
fn fraction(t: OffsetDateTime) -> String {
    let ticks = t.nanosecond() / 100;
    let mut frac = if ticks == 0 {
        String::new()
    } else {
        format!(".{ticks:07}")
    };
    while frac.ends_with('0') {
        frac.pop();
    }
    frac
}

/// `XmlConvert.ToString(DateTimeOffset)`: seven fractional digits with trailing zeros
/// dropped, `Z` for UTC, else the offset.
pub(crate) fn format_date(t: OffsetDateTime) -> String {
    let offset = t.offset();
    let zone = if offset.is_utc() {
        "Z".to_owned()
    } else {
        let (h, m, _) = offset.as_hms();
        format!(
            "{}{:02}:{:02}",
            if offset.is_negative() { '-' } else { '+' },
            h.unsigned_abs(),
            m.unsigned_abs()
        )
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        fraction(t)
    )
}

/// A `<revocation>` element that revokes every key created before `date`, as
/// `XmlKeyManager.RevokeAllKeys` writes it, with its friendly name (the file name without
/// `.xml`: `revocation-{yyyyMMddTHHmmssFFFFFFFZ}` in UTC).
///
/// # Example
/// ```
/// use machinekey::dataprotection::mass_revocation_xml;
/// let (name, xml) = mass_revocation_xml(time::macros::datetime!(2015-03-01 19:13:19.7573854 -8), "rotated");
/// assert_eq!(name, "revocation-20150302T0313197573854Z");
/// assert!(xml.contains("<revocationDate>2015-03-01T19:13:19.7573854-08:00</revocationDate>"));
/// ```
#[must_use]
pub fn mass_revocation_xml(date: OffsetDateTime, reason: &str) -> (String, String) {
    let utc = date.to_offset(time::UtcOffset::UTC);
    let name = format!(
        "revocation-{:04}{:02}{:02}T{:02}{:02}{:02}{}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        fraction(utc).trim_start_matches('.')
    );
    let reason = reason
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xml = format!(
        "<revocation version=\"1\"><revocationDate>{}</revocationDate><!-- All keys created before the revocation date are revoked. --><key id=\"*\" /><reason>{reason}</reason></revocation>",
        format_date(date)
    );
    (name, xml)
}

/// A `<revocation>` element that revokes one key, as `XmlKeyManager.RevokeKey` writes it,
/// with its friendly name (`revocation-{id}`, the file name without `.xml`).
///
/// # Example
/// ```
/// use machinekey::dataprotection::key_revocation_xml;
/// let id = "657cf77b-e662-48e4-912a-c80edc60e56b".parse()?;
/// let (name, xml) = key_revocation_xml(id, time::macros::datetime!(2026-12-06 03:02:04 UTC), "leaked");
/// assert_eq!(name, "revocation-657cf77b-e662-48e4-912a-c80edc60e56b");
/// assert!(xml.contains("<key id=\"657cf77b-e662-48e4-912a-c80edc60e56b\" />"));
/// assert!(machinekey::dataprotection::KeyRing::from_xml(&xml, &name)?.keys().is_empty());
/// # Ok::<(), machinekey::Error>(())
/// ```
#[must_use]
pub fn key_revocation_xml(id: KeyId, date: OffsetDateTime, reason: &str) -> (String, String) {
    let reason = reason
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xml = format!(
        "<revocation version=\"1\"><revocationDate>{}</revocationDate><key id=\"{id}\" /><reason>{reason}</reason></revocation>",
        format_date(date)
    );
    (format!("revocation-{id}"), xml)
}

/// Reads an `xs:dateTime` as `XmlConvert.ToDateTimeOffset` does for what ASP.NET writes
/// (an offset or `Z` is required).
pub(crate) fn parse_date(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

fn parse_xml<'a>(xml: &'a str, origin: &str) -> Result<roxmltree::Document<'a>, Error> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    roxmltree::Document::parse(xml).map_err(|e| {
        ring_error(
            origin,
            KeyRingErrorKind::Xml {
                message: e.to_string(),
            },
        )
    })
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn child_date(node: roxmltree::Node<'_, '_>, name: &str) -> Result<OffsetDateTime, String> {
    let text = child(node, name)
        .map(|c| c.text().unwrap_or_default())
        .ok_or_else(|| format!("<{name}> is missing"))?;
    parse_date(text).ok_or_else(|| format!("<{name}> is not an xs:dateTime with an offset"))
}

/// The simple type name of an assembly-qualified name.
fn simple_name(type_name: &str) -> &str {
    let full = type_name.split(',').next().unwrap_or(type_name).trim();
    full.rsplit('.').next().unwrap_or(full)
}

fn parse_key(node: roxmltree::Node<'_, '_>, origin: &str) -> Result<Key, String> {
    let id: KeyId = node
        .attribute("id")
        .ok_or("the id attribute is missing")?
        .parse()
        .map_err(|_| "the id attribute is not a GUID")?;
    let creation = child_date(node, "creationDate")?;
    let activation = child_date(node, "activationDate")?;
    let expiration = child_date(node, "expirationDate")?;
    let outer = child(node, "descriptor").ok_or("<descriptor> is missing")?;
    let deserializer =
        simple_name(outer.attribute("deserializerType").unwrap_or_default()).to_owned();
    let inner = outer
        .children()
        .find(roxmltree::Node::is_element)
        .ok_or("<descriptor> has no child element")?;
    let (algorithm, material) = match read_descriptor(&deserializer, inner) {
        Ok((alg, material)) => (Some(alg), material),
        Err(reason) => (None, Material::Unusable(reason)),
    };
    Ok(Key {
        id,
        creation,
        activation,
        expiration,
        revoked: false,
        deserializer,
        algorithm,
        material,
        origin: origin.to_owned(),
    })
}

fn read_descriptor(
    deserializer: &str,
    inner: roxmltree::Node<'_, '_>,
) -> Result<(Algorithm, Material), String> {
    let attr = |name: &str, a: &str| child(inner, name).and_then(|c| c.attribute(a));
    let bits = |name: &str| -> Result<usize, String> {
        attr(name, "keyLength")
            .map_or(Ok(256), |v| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("<{name} keyLength> is not a number"))
            })
            .map(|b| b / 8)
    };
    let algorithm = match deserializer {
        "AuthenticatedEncryptorDescriptorDeserializer" => Algorithm::from_names(
            attr("encryption", "algorithm").ok_or("<encryption algorithm> is missing")?,
            attr("validation", "algorithm"),
        )
        .map_err(|e| e.to_string())?,
        "ManagedAuthenticatedEncryptorDescriptorDeserializer" => {
            let enc = attr("encryption", "algorithm").unwrap_or("Aes");
            let cipher = managed_cipher(enc)?;
            let mac = mac_by_name(attr("validation", "algorithm").unwrap_or("HMACSHA256"))?;
            Algorithm::Cbc {
                cipher,
                key_len: bits("encryption")?,
                mac,
            }
        }
        "CngCbcAuthenticatedEncryptorDescriptorDeserializer" => {
            let cipher = match attr("encryption", "algorithm").unwrap_or("AES") {
                "AES" => BlockCipher::Aes,
                "3DES" => BlockCipher::TripleDes,
                other => return Err(format!("CNG cipher {other} is not supported")),
            };
            let mac = mac_by_name(&format!(
                "HMAC{}",
                attr("hash", "algorithm").unwrap_or("SHA256")
            ))?;
            Algorithm::Cbc {
                cipher,
                key_len: bits("encryption")?,
                mac,
            }
        }
        "CngGcmAuthenticatedEncryptorDescriptorDeserializer" => {
            match attr("encryption", "algorithm").unwrap_or("AES") {
                "AES" => Algorithm::Gcm {
                    key_len: bits("encryption")?,
                },
                other => return Err(format!("CNG cipher {other} is not supported")),
            }
        }
        other => {
            return Err(format!(
                "the descriptor deserializer {other:?} is not supported"
            ));
        }
    };
    if let Some(secret) = inner
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "encryptedSecret")
    {
        return at_rest(secret, algorithm).map(|m| (algorithm, m));
    }
    let master = child(inner, "masterKey").ok_or("<masterKey> is missing")?;
    Ok((algorithm, clear_material(master, algorithm)?))
}

fn clear_material(
    master: roxmltree::Node<'_, '_>,
    algorithm: Algorithm,
) -> Result<Material, String> {
    let text: String = master
        .descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    let bytes = Zeroizing::new(
        crate::crypto::encoding::from_base64(text.trim())
            .map_err(|_| "<masterKey> is not Base64".to_owned())?,
    );
    let enc = AuthenticatedEncryptor::new(&bytes, algorithm).map_err(|e| e.to_string())?;
    Ok(Material::Clear(Box::new(enc)))
}

fn at_rest(secret: roxmltree::Node<'_, '_>, algorithm: Algorithm) -> Result<Material, String> {
    let decryptor = secret.attribute("decryptorType").unwrap_or_default();
    Ok(match simple_name(decryptor) {
        "DpapiXmlDecryptor" => Material::AtRest(AtRestProtection::Dpapi, None),
        "DpapiNGXmlDecryptor" => {
            let rule = secret
                .descendants()
                .filter(roxmltree::Node::is_comment)
                .filter_map(|c| c.text())
                .find_map(|t| t.trim().strip_prefix("Rule:").map(|r| r.trim().to_owned()));
            Material::AtRest(AtRestProtection::DpapiNg { rule }, None)
        }
        "EncryptedXmlDecryptor" => {
            let certificate = secret
                .descendants()
                .find(|n| {
                    n.is_element()
                        && matches!(
                            n.tag_name().name(),
                            "X509SubjectName" | "X509IssuerName" | "KeyName"
                        )
                })
                .and_then(|n| n.text())
                .map(|t| t.trim().to_owned());
            let secret = EncryptedSecret::parse(secret).ok().map(Box::new);
            let thumbprint = secret.as_ref().and_then(|s| s.thumbprint());
            Material::AtRest(
                AtRestProtection::Certificate {
                    certificate,
                    thumbprint,
                },
                secret,
            )
        }
        "NullXmlDecryptor" => {
            // Test-only "encryption": the clear element inside <unencryptedKey>.
            let inner = secret
                .descendants()
                .find(|n| n.is_element() && n.tag_name().name() == "masterKey")
                .ok_or("<unencryptedKey> holds no <masterKey>")?;
            return clear_material(inner, algorithm);
        }
        _ => Material::AtRest(
            AtRestProtection::Other {
                decryptor_type: decryptor.to_owned(),
            },
            None,
        ),
    })
}

fn managed_cipher(name: &str) -> Result<BlockCipher, String> {
    let simple = simple_name(name);
    match simple {
        "Aes" | "AesCryptoServiceProvider" | "AesManaged" | "AesCng" => Ok(BlockCipher::Aes),
        "TripleDES" | "TripleDESCryptoServiceProvider" | "TripleDESCng" => {
            Ok(BlockCipher::TripleDes)
        }
        other => Err(format!("the managed cipher {other} is not supported")),
    }
}

fn mac_by_name(name: &str) -> Result<MacAlgorithm, String> {
    match simple_name(name) {
        "HMACSHA1" => Ok(MacAlgorithm::HmacSha1),
        "HMACSHA256" => Ok(MacAlgorithm::HmacSha256),
        "HMACSHA384" => Ok(MacAlgorithm::HmacSha384),
        "HMACSHA512" => Ok(MacAlgorithm::HmacSha512),
        other => Err(format!("the HMAC {other} is not supported")),
    }
}

/// A `<revocation>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Revocation {
    date: OffsetDateTime,
    /// `None` for `<key id="*"/>`.
    key: Option<KeyId>,
}

fn parse_revocation(node: roxmltree::Node<'_, '_>) -> Result<Revocation, String> {
    let date = child_date(node, "revocationDate")?;
    let id = child(node, "key")
        .and_then(|k| k.attribute("id"))
        .ok_or("<key id> is missing")?;
    let key = if id.trim() == "*" {
        None
    } else {
        Some(id.parse().map_err(|_| "<key id> is neither * nor a GUID")?)
    };
    Ok(Revocation { date, key })
}

/// An element of a repository that was skipped while reading, and why (ASP.NET logs these
/// and goes on).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The file or registry value.
    pub origin: String,
    /// Why.
    pub reason: String,
}

/// A key ring: the keys and revocations of one repository.
///
/// Read it from a directory of key files, a single key file, a document holding several
/// elements, or a `.reg` export of the registry repository ([`KeyRing::load`]); then make
/// protectors with [`KeyRing::protector`].
///
/// # Example
/// ```
/// use machinekey::dataprotection::KeyRing;
/// let xml = r#"<key id="657cf77b-e662-48e4-912a-c80edc60e56b" version="1">
///   <creationDate>2017-12-13T09:51:56.8629737Z</creationDate>
///   <activationDate>2017-12-13T09:51:56.8621659Z</activationDate>
///   <expirationDate>2018-03-13T09:51:56.8621659Z</expirationDate>
///   <descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=2.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60">
///     <descriptor>
///       <encryption algorithm="AES_256_CBC" />
///       <validation algorithm="HMACSHA256" />
///       <masterKey p4:requiresEncryption="true" xmlns:p4="http://schemas.asp.net/2015/03/dataProtection">
///         <value>75X7cyp+pT3KinhR4ix2/VrDS/TjVeYUcVW6zveMhgCzKisARAmvTUZpl7hhBiFSH2wQTdmUSxOrxlVjY1i/pg==</value>
///       </masterKey>
///     </descriptor>
///   </descriptor>
/// </key>"#;
/// let ring = KeyRing::from_xml(xml, "key-657cf77b.xml")?;
/// // The sample key expired in 2018: choose the default key as of a day it was current.
/// let protector = ring
///     .protector(&["SharedCookieApp", "samplePurpose"])?
///     .at(time::macros::datetime!(2018-01-01 0:00 UTC));
/// let payload = protector.protect(b"hello")?;
/// assert_eq!(protector.unprotect(&payload)?, b"hello");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: Vec<Key>,
    revocations: Vec<Revocation>,
    skipped: Vec<Skipped>,
    resolver: ResolverVersion,
}

impl KeyRing {
    /// An empty key ring.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a document: a single `<key>` or `<revocation>` element, or a root element
    /// whose children are such elements (an Azure Blob `<repository>`, a test `<root>`).
    ///
    /// # Errors
    /// [`Error::KeyRing`] for XML that is not well formed, a revocation that cannot be
    /// read, or a key id that occurs twice (all fatal in ASP.NET too). A `<key>` whose
    /// metadata cannot be read is skipped and listed in [`skipped`](Self::skipped).
    ///
    /// # Example
    /// See [`KeyRing`].
    pub fn from_xml(xml: &str, origin: &str) -> Result<Self, Error> {
        let mut ring = Self::new();
        ring.add_document(xml, origin)?;
        ring.apply_revocations();
        Ok(ring)
    }

    /// Reads elements one by one, as a repository holds them: `(origin, xml)` pairs, each
    /// one element (a key file, a registry value, a database row).
    ///
    /// # Errors
    /// As [`from_xml`](Self::from_xml).
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, Key, KeyRing};
    /// let key = Key::generate(time::OffsetDateTime::now_utc(), Algorithm::default(), &machinekey::random::OsRandom)?;
    /// let ring = KeyRing::from_elements([("row 1".to_owned(), key.to_xml())])?;
    /// assert_eq!(ring.keys().len(), 1);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_elements<I: IntoIterator<Item = (String, String)>>(
        elements: I,
    ) -> Result<Self, Error> {
        let mut ring = Self::new();
        for (origin, xml) in elements {
            ring.add_document(&xml, &origin)?;
        }
        ring.apply_revocations();
        Ok(ring)
    }

    /// Reads a key ring from `path`: a directory (its top-level `*.xml` files, as
    /// `FileSystemXmlRepository` reads them), a `.reg` export of the registry repository
    /// (`…\AutoGenKeys\{SID}\DataProtection`, UTF-16 or UTF-8), or one XML file.
    ///
    /// # Errors
    /// [`Error::KeyRing`] naming the file: unreadable (fatal in ASP.NET too, since it might
    /// hold a revocation), over [`MAX_KEY_FILE`] / [`MAX_KEY_RING_EXPORT`], more than
    /// [`MAX_KEY_FILES`] files, or as [`from_xml`](Self::from_xml).
    ///
    /// # Example
    /// ```no_run
    /// let ring = machinekey::dataprotection::KeyRing::load("/root/.aspnet/DataProtection-Keys".as_ref())?;
    /// println!("{} keys", ring.keys().len());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn load(path: &Path) -> Result<Self, Error> {
        let shown = path.display().to_string();
        if path.is_dir() {
            let io = |e| ring_error(&shown, KeyRingErrorKind::File(FileError::io(&shown, e)));
            let entries = std::fs::read_dir(path).map_err(io)?;
            let mut files = Vec::new();
            for entry in entries {
                let entry = entry.map_err(io)?;
                let p = entry.path();
                if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
                    files.push(p);
                    if files.len() > MAX_KEY_FILES {
                        return Err(ring_error(
                            &shown,
                            KeyRingErrorKind::TooManyFiles {
                                limit: MAX_KEY_FILES,
                            },
                        ));
                    }
                }
            }
            files.sort();
            let mut elements = Vec::with_capacity(files.len());
            for f in files {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let shown = f.display().to_string();
                let bytes = crate::bounded::read_file(&f, &shown, MAX_KEY_FILE)
                    .map_err(|e| ring_error(&shown, KeyRingErrorKind::File(e)))?;
                elements.push((name, decode_text(&bytes, &shown)?));
            }
            return Self::from_elements(elements);
        }
        let bytes = crate::bounded::read_file(path, &shown, MAX_KEY_RING_EXPORT)
            .map_err(|e| ring_error(&shown, KeyRingErrorKind::File(e)))?;
        let text = decode_text(&bytes, &shown)?;
        if text.trim_start().starts_with("Windows Registry Editor")
            || text.trim_start().starts_with("REGEDIT4")
        {
            Self::from_reg_export(&text, &shown)
        } else {
            Self::from_xml(&text, &shown)
        }
    }

    /// Reads the `REG_SZ` values of a registry export of the registry repository: each
    /// value one element, named like the key files.
    ///
    /// # Errors
    /// [`Error::KeyRing`] if the text is not a registry export or holds no string value,
    /// or as [`from_xml`](Self::from_xml).
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, Key, KeyRing};
    /// let key = Key::generate(time::OffsetDateTime::now_utc(), Algorithm::default(), &machinekey::random::OsRandom)?;
    /// let one_line = key.to_xml().replace('\n', "").replace('\\', "\\\\").replace('"', "\\\"");
    /// let reg = format!("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ASP.NET\\4.0.30319.0\\AutoGenKeys\\S-1-5-82-1\\DataProtection]\r\n\"key-{}\"=\"{one_line}\"\r\n", key.id());
    /// assert_eq!(KeyRing::from_reg_export(&reg, "ring.reg")?.keys()[0].id(), key.id());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_reg_export(text: &str, origin: &str) -> Result<Self, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        match lines.next() {
            Some("Windows Registry Editor Version 5.00" | "REGEDIT4") => {}
            _ => {
                return Err(ring_error(
                    origin,
                    KeyRingErrorKind::RegistryExport {
                        reason: "not a registry export".to_owned(),
                    },
                ));
            }
        }
        let mut elements = Vec::new();
        for line in lines {
            let Some(rest) = line.strip_prefix('"') else {
                continue;
            };
            let Some((name, value)) = rest.split_once("\"=\"") else {
                continue;
            };
            let Some(value) = value.strip_suffix('"') else {
                return Err(ring_error(
                    origin,
                    KeyRingErrorKind::RegistryExport {
                        reason: format!("value {name}: unterminated string"),
                    },
                ));
            };
            elements.push((format!("{origin}: {name}"), unescape_reg(value)));
        }
        if elements.is_empty() {
            return Err(ring_error(
                origin,
                KeyRingErrorKind::RegistryExport {
                    reason: "no REG_SZ values (expected the DataProtection key's values)"
                        .to_owned(),
                },
            ));
        }
        Self::from_elements(elements)
    }

    fn add_document(&mut self, xml: &str, origin: &str) -> Result<(), Error> {
        let doc = parse_xml(xml, origin)?;
        let root = doc.root_element();
        let children: Vec<_> = root
            .children()
            .filter(roxmltree::Node::is_element)
            .collect();
        let container = !matches!(root.tag_name().name(), "key" | "revocation")
            && children
                .iter()
                .any(|c| matches!(c.tag_name().name(), "key" | "revocation"));
        let elements = if container { children } else { vec![root] };
        for el in elements {
            match el.tag_name().name() {
                "key" => match parse_key(el, origin) {
                    Ok(key) => self.add(key)?,
                    Err(reason) => self.skipped.push(Skipped {
                        origin: origin.to_owned(),
                        reason,
                    }),
                },
                "revocation" => {
                    let r = parse_revocation(el).map_err(|reason| {
                        ring_error(origin, KeyRingErrorKind::InvalidRevocation { reason })
                    })?;
                    self.revocations.push(r);
                }
                other => self.skipped.push(Skipped {
                    origin: origin.to_owned(),
                    reason: format!("unknown element <{other}>"),
                }),
            }
        }
        Ok(())
    }

    /// Mass revocations cover keys created strictly before the latest one; single ones
    /// their key (`XmlKeyManager.GetAllKeys`).
    fn apply_revocations(&mut self) {
        let mass = self
            .revocations
            .iter()
            .filter(|r| r.key.is_none())
            .map(|r| r.date)
            .max();
        for key in &mut self.keys {
            key.revoked = mass.is_some_and(|d| key.creation < d)
                || self.revocations.iter().any(|r| r.key == Some(key.id));
        }
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`Error::KeyRing`] if the ring already holds a key with its id ("The key {…} already
    /// exists in the keyring.").
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::{Algorithm, Key, KeyRing};
    /// let key = Key::generate(time::OffsetDateTime::now_utc(), Algorithm::default(), &machinekey::random::OsRandom)?;
    /// let mut ring = KeyRing::new();
    /// ring.add(key.clone())?;
    /// assert!(ring.add(key).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn add(&mut self, key: Key) -> Result<(), Error> {
        if self.key(key.id).is_some() {
            return Err(ring_error(
                &key.origin,
                KeyRingErrorKind::DuplicateKey(key.id),
            ));
        }
        self.keys.push(key);
        self.apply_revocations();
        Ok(())
    }

    /// Makes a new key at `now` the way the key-ring provider does when there is no
    /// default key (random id and master key, 90 days), adds it and returns its id.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::KeyRing;
    /// let mut ring = KeyRing::new();
    /// let now = time::OffsetDateTime::now_utc();
    /// let id = ring.generate_key(now, &machinekey::random::OsRandom)?;
    /// assert_eq!(ring.resolve(now).default_key, Some(id));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn generate_key(
        &mut self,
        now: OffsetDateTime,
        rng: &dyn RandomSource,
    ) -> Result<KeyId, Error> {
        let key = Key::generate(now, Algorithm::default(), rng)?;
        let id = key.id;
        self.add(key)?;
        Ok(id)
    }

    /// Revokes one key from `date` on (a `<revocation>` with its id).
    ///
    /// # Example
    /// ```
    /// # use machinekey::dataprotection::KeyRing;
    /// # let mut ring = KeyRing::new();
    /// # let now = time::OffsetDateTime::now_utc();
    /// let id = ring.generate_key(now, &machinekey::random::OsRandom)?;
    /// ring.revoke(id, now);
    /// assert!(ring.key(id).is_some_and(|k| k.is_revoked()));
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn revoke(&mut self, id: KeyId, date: OffsetDateTime) {
        self.revocations.push(Revocation {
            date,
            key: Some(id),
        });
        self.apply_revocations();
    }

    /// Chooses the default-key rules (current by default).
    #[must_use]
    pub fn with_resolver(mut self, version: ResolverVersion) -> Self {
        self.resolver = version;
        self
    }

    /// The keys, in the order read.
    #[must_use]
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The key with this id.
    #[must_use]
    pub fn key(&self, id: KeyId) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Elements that were skipped while reading, with the reason.
    #[must_use]
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The default-key resolution at `now`.
    #[must_use]
    pub fn resolve(&self, now: OffsetDateTime) -> Resolution {
        let meta: Vec<KeyMetadata> = self.keys.iter().map(Key::metadata).collect();
        resolve_default_key(&meta, now, self.resolver)
    }

    /// The key new payloads are protected with at `now`, if one qualifies.
    #[must_use]
    pub fn default_key(&self, now: OffsetDateTime) -> Option<&Key> {
        self.resolve(now).default_key.and_then(|id| self.key(id))
    }

    /// Opens the keys encrypted at rest to one of `certificates`
    /// (`ProtectKeysWithCertificate`, as `UnprotectKeysWithAnyCertificate` lets .NET open
    /// them): each key whose `<EncryptedKey>` names one of them by its certificate (or, when
    /// it names none, that one of them decrypts) becomes usable. Returns the keys opened;
    /// the others stay as they were and [`Key::encryptor`] names the thumbprint they need.
    ///
    /// # Errors
    /// [`Error::KeyUnavailable`] for a key whose named certificate is given but does not
    /// decrypt it (a damaged file), or whose decrypted element is not a readable
    /// `<masterKey>`.
    ///
    /// # Example
    /// ```no_run
    /// use machinekey::dataprotection::{Certificate, KeyRing};
    /// let mut ring = KeyRing::load("keys".as_ref())?;
    /// let opened = ring.decrypt_with_certificates(&[Certificate::load_pfx("dp.pfx".as_ref(), "secret")?])?;
    /// assert!(!opened.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "certificate")]
    #[cfg_attr(docsrs, doc(cfg(feature = "certificate")))]
    pub fn decrypt_with_certificates(
        &mut self,
        certificates: &[super::Certificate],
    ) -> Result<Vec<KeyId>, Error> {
        let mut opened = Vec::new();
        for key in &mut self.keys {
            let Material::AtRest(AtRestProtection::Certificate { thumbprint, .. }, Some(secret)) =
                &key.material
            else {
                continue;
            };
            let named: Vec<&super::Certificate> = match thumbprint {
                Some(t) => certificates
                    .iter()
                    .filter(|c| c.thumbprint() == t)
                    .collect(),
                None => certificates.iter().collect(),
            };
            if named.is_empty() {
                continue;
            }
            let id = key.id;
            let unavailable = |reason: &str| Error::KeyUnavailable {
                id,
                reason: UnusableKey::DecryptedSecret {
                    reason: reason.to_owned(),
                },
            };
            let Some(xml) = named.iter().find_map(|c| c.decrypt(secret)) else {
                if thumbprint.is_none() {
                    continue;
                }
                return Err(Error::KeyUnavailable {
                    id,
                    reason: UnusableKey::CertificateDoesNotDecrypt,
                });
            };
            let text = core::str::from_utf8(&xml)
                .map_err(|_| unavailable("its decrypted secret is not UTF-8 XML"))?;
            let doc = roxmltree::Document::parse(text)
                .map_err(|_| unavailable("its decrypted secret is not well-formed XML"))?;
            let algorithm = key.algorithm.ok_or_else(|| Error::KeyUnavailable {
                id,
                reason: UnusableKey::Unsupported {
                    reason: "its descriptor names no supported algorithm".to_owned(),
                },
            })?;
            let material = clear_material(doc.root_element(), algorithm)
                .map_err(|m| unavailable(&format!("its decrypted secret: {m}")))?;
            key.material = material;
            opened.push(key.id);
        }
        Ok(opened)
    }

    /// The key files of this ring (`key-{id}.xml`, unencrypted: handle as secrets), to
    /// write a directory ASP.NET can read.
    #[must_use]
    pub fn to_key_files(&self) -> Vec<(String, String)> {
        self.keys
            .iter()
            .map(|k| (format!("key-{}.xml", k.id), k.to_xml()))
            .collect()
    }
}

fn unescape_reg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// UTF-8 (with or without BOM) or UTF-16 with a BOM, as key files and `.reg` exports come.
fn decode_text(bytes: &[u8], origin: &str) -> Result<String, Error> {
    crate::bounded::decode_text(origin, bytes)
        .map_err(|e| ring_error(origin, KeyRingErrorKind::File(e)))
}
