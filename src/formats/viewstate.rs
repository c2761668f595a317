//! `__VIEWSTATE` and `__EVENTVALIDATION` (`ObjectStateFormatter`, `HiddenFieldPageStatePersister`; `Page.CreateStateFormatter`).
//!
//! Legacy mode: `data ‖ MAC(data ‖ modifier)` (with the AES/3DES-validation wrap), or, when
//! the page encrypts its ViewState, `C ‖ MAC(C)` with `C = CBC0(R ‖ data ‖ modifier)`; the
//! modifier is the page's generator and `ViewStateUserKey`. Framework45: always encrypted and
//! MACed under the primary purpose plus the page purposes. Fields are standard Base64.

use super::{AppKeys, GeneratorHash, Page};
use crate::crypto::encoding::{from_base64, to_base64};
use crate::crypto::framework45::{Purpose, primary};
use crate::crypto::legacy::IvType;
use crate::error::{ArgumentError, Encoding, Error};

use super::osf::is_complete_graph;
use crate::config::stack::PagesSettings;
use crate::names::names;

/// Whether a legacy-mode page protects its `__VIEWSTATE` (and `__EVENTVALIDATION`) signed
/// or encrypted (`__VIEWSTATEENCRYPTED`): what `<pages viewStateEncryptionMode>` and the
/// page's controls decide (`Page.RequiresViewStateEncryptionInternal`). Framework45 always
/// encrypts, whichever is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ViewStateProtection {
    /// `data ‖ MAC(data ‖ modifier)` (the default).
    #[default]
    Signed,
    /// `C ‖ MAC(C)` with `C = CBC0(R ‖ data ‖ modifier)`.
    Encrypted,
}

names!(ViewStateProtection, "The protection, in words.", {
    Signed => "signed",
    Encrypted => "encrypted",
});

impl From<&PagesSettings> for ViewStateProtection {
    /// `Encrypted` for `viewStateEncryptionMode="Always"`; `Signed` otherwise (`Auto`
    /// encrypts only when a control asks, which the configuration cannot tell).
    fn from(pages: &PagesSettings) -> Self {
        if pages.encrypts_view_state() {
            Self::Encrypted
        } else {
            Self::Signed
        }
    }
}

/// Which page-state field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ViewState,
    EventValidation,
}

impl Field {
    fn primary(self) -> &'static str {
        match self {
            Self::ViewState => primary::VIEWSTATE,
            Self::EventValidation => primary::EVENT_VALIDATION,
        }
    }
}

impl AppKeys {
    fn page_purpose(&self, field: Field, page: &Page) -> Result<Purpose, Error> {
        Ok(Purpose::new(field.primary()).with_specifics(&page.purposes()?))
    }

    fn modifier(&self, page: &Page) -> Result<Vec<u8>, Error> {
        page.legacy_modifier(GeneratorHash::from(self.config().runtime()))
    }

    fn decode_state(&self, field: Field, text: &str, page: &Page) -> Result<Vec<u8>, Error> {
        let blob = from_base64(text)?;
        if self.uses_framework45() {
            return self
                .state_protector()?
                .unprotect(&blob, &self.page_purpose(field, page)?);
        }
        let legacy = self.legacy()?;
        let modifier = self.modifier(page)?;
        // The page knows from __VIEWSTATEENCRYPTED which form it gets; trying both reveals
        // nothing more, since either failure is the same opaque error.
        legacy
            .verify(&blob, Some(&modifier))
            .or_else(|_| legacy.decrypt(&blob, Some(&modifier), IvType::Random))
    }

    fn encode_state(
        &self,
        field: Field,
        payload: &[u8],
        page: &Page,
        protection: ViewStateProtection,
    ) -> Result<String, Error> {
        let blob = if self.uses_framework45() {
            self.state_protector()?
                .protect(payload, &self.page_purpose(field, page)?)?
        } else {
            let legacy = self.legacy()?;
            let modifier = self.modifier(page)?;
            if protection == ViewStateProtection::Encrypted {
                legacy.encrypt(payload, Some(&modifier), IvType::Random)?
            } else {
                legacy.sign(payload, Some(&modifier))?
            }
        };
        Ok(to_base64(&blob))
    }

    /// Verifies (and decrypts) a `__VIEWSTATE` value for `page` and returns the
    /// `ObjectStateFormatter` bytes. Join split fields first with [`join_fields`].
    ///
    /// # Errors
    /// [`Error::Malformed`] for bad Base64; [`Error::Unprotect`] if it does not verify;
    /// [`ArgumentError::PageWithoutNames`] for a Framework45 page given only by its
    /// generator.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::{AppKeys, Page};
    /// let cfg = MachineKeyConfig::builder()
    ///     .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
    ///     .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
    ///     .validation(machinekey::config::ValidationAlgorithm::Sha1)
    ///     .build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let page = Page::from_path("/query.aspx", "/")?; // generator EDD8C9AE
    /// let payload = keys.decode_viewstate("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==", &page)?;
    /// assert_eq!(&payload[..2], b"\xff\x01");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn decode_viewstate(&self, field: &str, page: &Page) -> Result<Vec<u8>, Error> {
        self.decode_state(Field::ViewState, field, page)
    }

    /// Protects `payload` as the `__VIEWSTATE` of `page`: in legacy mode as `protection`
    /// says (`viewStateEncryptionMode`); in Framework45 always encrypted.
    ///
    /// # Errors
    /// As [`decode_viewstate`](Self::decode_viewstate), and [`Error::Random`].
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::formats::{AppKeys, Page};
    /// use machinekey::formats::viewstate::ViewStateProtection;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let page = Page::from_path("/Shop/cart.aspx", "/Shop")?.with_view_state_user_key("alice");
    /// let field = keys.encode_viewstate(b"\xff\x01\x64", &page, ViewStateProtection::Encrypted)?;
    /// assert_eq!(keys.decode_viewstate(&field, &page)?, b"\xff\x01\x64");
    /// let other_user = Page::from_path("/Shop/cart.aspx", "/Shop")?.with_view_state_user_key("mallory");
    /// assert!(keys.decode_viewstate(&field, &other_user).is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn encode_viewstate(
        &self,
        payload: &[u8],
        page: &Page,
        protection: ViewStateProtection,
    ) -> Result<String, Error> {
        self.encode_state(Field::ViewState, payload, page, protection)
    }

    /// Verifies (and decrypts) an `__EVENTVALIDATION` value for `page` (legacy: the page
    /// modifier; Framework45: purpose `WebForms.ClientScriptManager.EventValidation`).
    ///
    /// # Errors
    /// As [`decode_viewstate`](Self::decode_viewstate).
    ///
    /// # Example
    /// ```
    /// # use machinekey::config::MachineKeyConfig;
    /// use machinekey::config::CompatibilityMode;
    /// use machinekey::formats::{AppKeys, Page};
    /// use machinekey::formats::viewstate::ViewStateProtection;
    /// # let cfg = MachineKeyConfig::builder().validation_key(&"AB".repeat(64)).decryption_key(&"CD".repeat(32)).compatibility_mode(CompatibilityMode::Framework45).build()?;
    /// let keys = AppKeys::explicit(&cfg)?;
    /// let page = Page::from_path("/default.aspx", "/")?;
    /// let ev = keys.encode_event_validation(b"\xff\x01\x64", &page, ViewStateProtection::Signed)?;
    /// assert_eq!(keys.decode_event_validation(&ev, &page)?, b"\xff\x01\x64");
    /// assert!(keys.decode_viewstate(&ev, &page).is_err()); // different purpose
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn decode_event_validation(&self, field: &str, page: &Page) -> Result<Vec<u8>, Error> {
        self.decode_state(Field::EventValidation, field, page)
    }

    /// Protects `payload` as the `__EVENTVALIDATION` of `page`.
    ///
    /// # Errors
    /// As [`encode_viewstate`](Self::encode_viewstate).
    ///
    /// # Example
    /// See [`decode_event_validation`](Self::decode_event_validation).
    pub fn encode_event_validation(
        &self,
        payload: &[u8],
        page: &Page,
        protection: ViewStateProtection,
    ) -> Result<String, Error> {
        self.encode_state(Field::EventValidation, payload, page, protection)
    }
}

/// The largest `__VIEWSTATEFIELDCOUNT` accepted.
const MAX_FIELDS: usize = 10_000;

/// Joins a split ViewState from the posted form fields: `__VIEWSTATE`, `__VIEWSTATE1`, ...
/// as many as `__VIEWSTATEFIELDCOUNT` says (or just `__VIEWSTATE` without a count).
///
/// # Errors
/// [`ArgumentError::MissingField`] for a missing field, [`ArgumentError::FieldCount`] for a
/// bad count.
///
/// # Example
/// ```
/// use machinekey::formats::viewstate::join_fields;
/// let form = [("__VIEWSTATEFIELDCOUNT", "2"), ("__VIEWSTATE", "/wEP"), ("__VIEWSTATE1", "DwUJ")];
/// assert_eq!(join_fields(&form)?, "/wEPDwUJ");
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn join_fields(form: &[(&str, &str)]) -> Result<String, Error> {
    let get = |name: &str| form.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let count = match get("__VIEWSTATEFIELDCOUNT") {
        None => 1,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_FIELDS).contains(n))
            .ok_or(ArgumentError::FieldCount)?,
    };
    let mut out = String::new();
    for i in 0..count {
        let name = if i == 0 {
            "__VIEWSTATE".to_owned()
        } else {
            format!("__VIEWSTATE{i}")
        };
        let field = get(&name).ok_or(ArgumentError::MissingField { name })?;
        out.push_str(field);
    }
    Ok(out)
}

/// Splits a ViewState value into form fields of at most `max_len` characters
/// (`<pages maxPageStateFieldLength>`), named as ASP.NET names them, with
/// `__VIEWSTATEFIELDCOUNT` first when there is more than one.
///
/// # Example
/// ```
/// use machinekey::formats::viewstate::{join_fields, split_field};
/// let fields = split_field("/wEPDwUJ", 4);
/// assert_eq!(fields[0], ("__VIEWSTATEFIELDCOUNT".to_owned(), "2".to_owned()));
/// let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
/// assert_eq!(join_fields(&form)?, "/wEPDwUJ");
/// # Ok::<(), machinekey::Error>(())
/// ```
#[must_use]
pub fn split_field(value: &str, max_len: usize) -> Vec<(String, String)> {
    let chars: Vec<char> = value.chars().collect();
    let chunks: Vec<String> = chars
        .chunks(max_len.max(1))
        .map(|c| c.iter().collect())
        .collect();
    if chunks.len() <= 1 {
        return vec![("__VIEWSTATE".to_owned(), value.to_owned())];
    }
    let mut out = vec![("__VIEWSTATEFIELDCOUNT".to_owned(), chunks.len().to_string())];
    for (i, chunk) in chunks.into_iter().enumerate() {
        let name = if i == 0 {
            "__VIEWSTATE".to_owned()
        } else {
            format!("__VIEWSTATE{i}")
        };
        out.push((name, chunk));
    }
    out
}

/// A ViewState sent **without** a MAC (`EnableViewStateMac=false`, possible before the 2014
/// update made the MAC mandatory): the Base64 decodes to exactly one
/// `ObjectStateFormatter` graph with nothing after it. Returns the payload then, `None`
/// otherwise. No key is involved: such a ViewState is unprotected.
///
/// # Example
/// ```
/// use machinekey::formats::viewstate::unsigned_payload;
/// assert!(unsigned_payload("/wEPDwUJODExMDE5NzY5ZGQ=").is_some());
/// assert!(unsigned_payload("/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==").is_none());
/// ```
#[must_use]
pub fn unsigned_payload(field: &str) -> Option<Vec<u8>> {
    from_base64(field)
        .ok()
        .filter(|bytes| is_complete_graph(bytes))
}

/// Hidden fields that custom page persisters put a compressed ViewState in, instead of
/// `__VIEWSTATE` (seen in the wild; ASP.NET itself never compresses page state).
pub const COMPRESSED_FIELDS: [&str; 2] = ["__VSTATE", "__COMPRESSEDVIEWSTATE"];

/// The largest decompressed ViewState [`compressed_payload`] accepts (16 MiB).
pub const MAX_DECOMPRESSED: usize = 16 << 20;

/// An unprotected, GZip-compressed ViewState (Base64 starting `H4sI`, the Base64 of the
/// GZip header `1F 8B 08`), as custom persisters write to `__VSTATE`,
/// `__COMPRESSEDVIEWSTATE` or `__VIEWSTATE`: the `ObjectStateFormatter` bytes inside (the
/// compressed data is either those bytes or their Base64 text, as `LosFormatter` writes it).
/// `None` when the field is not GZip. No key is involved: no MAC protects such a field.
///
/// # Errors
/// [`Error::Malformed`] ([`Encoding::CompressedViewState`]) for GZip that does not
/// decompress, decompresses to more than [`MAX_DECOMPRESSED`] bytes, or holds no
/// `ObjectStateFormatter` data.
///
/// # Example
/// ```
/// use std::io::Write;
/// use machinekey::crypto::encoding::{from_base64, to_base64};
/// use machinekey::formats::osf;
/// use machinekey::formats::viewstate::compressed_payload;
/// let state = from_base64("/wEPDwUJODExMDE5NzY5ZGQ=")?;
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(&state).unwrap();
/// let field = to_base64(&gz.finish().unwrap());
/// assert!(field.starts_with("H4sI"));
/// let payload = compressed_payload(&field).expect("GZip")?;
/// assert!(osf::read(&payload).is_ok());
/// assert!(compressed_payload("/wEPDwUJODExMDE5NzY5ZGQ=").is_none());
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn compressed_payload(field: &str) -> Option<Result<Vec<u8>, Error>> {
    use std::io::Read as _;
    let text = field.trim();
    if !text.starts_with("H4sI") {
        return None;
    }
    let gz = match crate::crypto::encoding::decode_value(text) {
        Ok(readings) => readings
            .into_iter()
            .map(|r| r.bytes)
            .find(|b| b.starts_with(&[0x1F, 0x8B])),
        Err(_) => None,
    };
    let Some(gz) = gz else {
        return Some(Err(Error::Malformed(Encoding::CompressedViewState)));
    };
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_DECOMPRESSED).unwrap_or(u64::MAX);
    let read = flate2::read::MultiGzDecoder::new(gz.as_slice())
        .take(limit + 1)
        .read_to_end(&mut out);
    if read.is_err() {
        return Some(Err(Error::Malformed(Encoding::CompressedViewState)));
    }
    if out.len() > MAX_DECOMPRESSED {
        return Some(Err(Error::Malformed(Encoding::CompressedViewState)));
    }
    if out.starts_with(&[0xFF, 0x01]) {
        return Some(Ok(out));
    }
    let inner = core::str::from_utf8(&out)
        .ok()
        .and_then(|t| from_base64(t.trim()).ok())
        .filter(|b| b.starts_with(&[0xFF, 0x01]));
    Some(inner.ok_or(Error::Malformed(Encoding::CompressedViewState)))
}
