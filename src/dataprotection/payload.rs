//! The protected-payload envelope and the additional authenticated data
//! (`KeyRingBasedDataProtector.Protect`/`UnprotectCore` and its AAD template).

pub use crate::error::HeaderError;
use crate::error::{ArgumentError, Error};

/// The magic header `09 F0 C9 F0` (big-endian; the low nibble is the format version, 0).
pub const MAGIC_HEADER: [u8; 4] = [0x09, 0xF0, 0xC9, 0xF0];
/// Magic header plus key id.
pub const HEADER_LEN: usize = 20;

pub use crate::vocabulary::KeyId;

impl KeyId {
    /// A new random (version 4) id, as `Guid.NewGuid()` makes them.
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::KeyId;
    /// let a = KeyId::random(&machinekey::random::OsRandom)?;
    /// assert_ne!(a, KeyId::random(&machinekey::random::OsRandom)?);
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn random(rng: &dyn crate::random::RandomSource) -> Result<Self, Error> {
        let mut b = [0u8; 16];
        rng.fill(&mut b)?;
        Ok(Self(uuid::Builder::from_random_bytes(b).into_uuid()))
    }

    /// The first 26 Base64url characters of every payload protected with this key
    /// (`CfDJ8` and the key id), to spot its values in logs and captures.
    ///
    /// # Example
    /// ```
    /// use machinekey::dataprotection::KeyId;
    /// let id: KeyId = "657cf77b-e662-48e4-912a-c80edc60e56b".parse()?;
    /// assert_eq!(id.payload_prefix(), "CfDJ8Hv3fGVi5uRIkSrIDtxg5W");
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    #[must_use]
    pub fn payload_prefix(self) -> String {
        let mut header = MAGIC_HEADER.to_vec();
        header.extend_from_slice(&self.to_bytes_le());
        let text = crate::crypto::encoding::to_base64url(&header);
        text.get(..26).unwrap_or(&text).to_owned()
    }
}

impl core::str::FromStr for KeyId {
    type Err = Error;

    /// Any spelling `XmlConvert.ToGuid` reads: `D`, `B` (braces), `N` (32 digits), either case.
    ///
    /// # Errors
    /// [`ArgumentError::KeyId`] for anything else.
    fn from_str(s: &str) -> Result<Self, Error> {
        uuid::Uuid::try_parse(s.trim())
            .map(Self)
            .map_err(|_| ArgumentError::KeyId.into())
    }
}

/// The public header of a Data Protection payload: which key protected it.
///
/// # Example
/// ```
/// use machinekey::dataprotection::PayloadHeader;
/// let bytes = hex::decode("09f0c9f07bf77c6562e6e448912ac80edc60e56b00")?;
/// let h = PayloadHeader::parse(&bytes)?;
/// assert_eq!(h.key_id.to_string(), "657cf77b-e662-48e4-912a-c80edc60e56b");
/// assert_eq!(h.body_len, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadHeader {
    /// The key the payload needs.
    pub key_id: KeyId,
    /// The length of the encryptor body after the header.
    pub body_len: usize,
}

impl PayloadHeader {
    /// Reads the magic, version and key id.
    ///
    /// # Errors
    /// A [`HeaderError`].
    ///
    /// # Example
    /// See [`PayloadHeader`].
    pub fn parse(payload: &[u8]) -> Result<Self, HeaderError> {
        let (magic, rest) = payload
            .split_first_chunk::<4>()
            .ok_or(HeaderError::BadMagic)?;
        let (id, body) = rest
            .split_first_chunk::<16>()
            .ok_or(HeaderError::BadMagic)?;
        let value = u32::from_be_bytes(*magic);
        if value & !0xF != u32::from_be_bytes(MAGIC_HEADER) {
            return Err(HeaderError::BadMagic);
        }
        if value & 0xF != 0 {
            return Err(HeaderError::NewerVersion);
        }
        Ok(Self {
            key_id: KeyId::from_bytes_le(*id),
            body_len: body.len(),
        })
    }
}

/// The additional authenticated data of a payload: magic, key id, the purpose count
/// (big-endian) and each purpose as .NET's `BinaryWriter.Write(string)` writes it (7-bit
/// encoded UTF-8 byte length, then the bytes). It is the KDF label, never transmitted.
///
/// # Example
/// ```
/// use machinekey::dataprotection::{KeyId, aad};
/// let id: KeyId = "ba73c9ce-d322-4e45-af90-341307e11c38".parse()?;
/// assert_eq!(
///     hex::encode(aad(id, &["purpose1", "purpose2"])),
///     "09f0c9f0cec973ba22d3454eaf90341307e11c380000000208707572706f73653108707572706f736532"
/// );
/// # Ok::<(), machinekey::Error>(())
/// ```
#[must_use]
pub fn aad<S: AsRef<str>>(key_id: KeyId, purposes: &[S]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(24 + purposes.iter().map(|p| p.as_ref().len() + 2).sum::<usize>());
    out.extend_from_slice(&MAGIC_HEADER);
    out.extend_from_slice(&key_id.to_bytes_le());
    let count = u32::try_from(purposes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for p in purposes {
        let bytes = p.as_ref().as_bytes();
        crate::binary::write_7bit(&mut out, bytes.len());
        out.extend_from_slice(bytes);
    }
    out
}
