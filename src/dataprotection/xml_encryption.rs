//! The `<encryptedSecret>` of a key encrypted at rest to an X.509 certificate
//! (`ProtectKeysWithCertificate`: `CertificateXmlEncryptor` in `dotnet/aspnetcore`
//! `src/DataProtection/DataProtection/src/XmlEncryption/CertificateXmlEncryptor.cs`, which
//! calls `EncryptedXml.Encrypt(element, certificate)` of `System.Security.Cryptography.Xml`):
//! W3C XML Encryption, the `<masterKey>` element encrypted with a fresh AES-256-CBC key
//! (random IV first, ISO 10126 padding), that key encrypted to the certificate's RSA key
//! with PKCS#1 v1.5 (`rsa-1_5`), and the certificate itself in `KeyInfo/X509Data`.
//!
//! Proved on real output: the differential tests make such rings with real .NET
//! (`dp.new_key` with a PFX made at test time) and open them here; without the certificate
//! the error names its thumbprint.

use sha1::Digest as _;

/// `http://www.w3.org/2001/04/xmlenc#aes256-cbc` and its relatives: the data cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataCipher {
    Aes128,
    Aes192,
    Aes256,
    TripleDes,
}

impl DataCipher {
    fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri.trim() {
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => Self::Aes128,
            "http://www.w3.org/2001/04/xmlenc#aes192-cbc" => Self::Aes192,
            "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => Self::Aes256,
            "http://www.w3.org/2001/04/xmlenc#tripledes-cbc" => Self::TripleDes,
            _ => return None,
        })
    }

    /// The key length in bytes.
    #[cfg_attr(not(feature = "certificate"), allow(dead_code))]
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::TripleDes => 24,
            Self::Aes256 => 32,
        }
    }
}

/// How the data key is transported to the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyTransport {
    /// `rsa-1_5`: RSAES-PKCS1-v1_5 (what `EncryptedXml.Encrypt` writes).
    Pkcs1v15,
    /// `rsa-oaep-mgf1p`: RSAES-OAEP with SHA-1.
    OaepSha1,
}

/// One `<EncryptedData>` as `EncryptedXmlDecryptor` reads it. The ciphertexts are not
/// secret without the certificate's private key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct EncryptedSecret {
    pub(crate) cipher: DataCipher,
    /// IV then ciphertext.
    pub(crate) data: Vec<u8>,
    pub(crate) transport: KeyTransport,
    pub(crate) encrypted_key: Vec<u8>,
    /// The certificate named in `KeyInfo/X509Data`, DER.
    pub(crate) certificate: Option<Vec<u8>>,
}

impl core::fmt::Debug for EncryptedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EncryptedSecret")
            .field("cipher", &self.cipher)
            .field("transport", &self.transport)
            .field("data", &format_args!("[{} bytes]", self.data.len()))
            .finish_non_exhaustive()
    }
}

fn element<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn base64_text(node: roxmltree::Node<'_, '_>) -> Result<Vec<u8>, String> {
    let text: String = node
        .descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect();
    crate::crypto::encoding::from_base64(text.trim())
        .map_err(|_| format!("<{}> is not Base64", node.tag_name().name()))
}

/// SHA-1 of a certificate's DER, upper-case hex: Windows' and .NET's thumbprint.
pub(crate) fn thumbprint(der: &[u8]) -> String {
    hex::encode_upper(sha1::Sha1::digest(der))
}

impl EncryptedSecret {
    /// Reads the `<EncryptedData>` inside an `<encryptedSecret>`.
    pub(crate) fn parse(secret: roxmltree::Node<'_, '_>) -> Result<Self, String> {
        let data = secret
            .descendants()
            .find(|n| n.is_element() && n.tag_name().name() == "EncryptedData")
            .ok_or("<encryptedSecret> holds no <EncryptedData>")?;
        let method = |n: roxmltree::Node<'_, '_>| {
            element(n, "EncryptionMethod")
                .and_then(|m| m.attribute("Algorithm"))
                .unwrap_or_default()
                .to_owned()
        };
        let uri = method(data);
        let cipher = DataCipher::from_uri(&uri)
            .ok_or_else(|| format!("the data cipher {uri:?} is not supported"))?;
        let cipher_value = element(data, "CipherData")
            .and_then(|c| element(c, "CipherValue"))
            .ok_or("<EncryptedData> has no <CipherData><CipherValue>")?;
        let key = element(data, "KeyInfo")
            .and_then(|k| element(k, "EncryptedKey"))
            .ok_or("<EncryptedData> has no <KeyInfo><EncryptedKey>")?;
        let key_uri = method(key);
        let transport = match key_uri.trim() {
            "http://www.w3.org/2001/04/xmlenc#rsa-1_5" => KeyTransport::Pkcs1v15,
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" => KeyTransport::OaepSha1,
            other => return Err(format!("the key transport {other:?} is not supported")),
        };
        let key_value = element(key, "CipherData")
            .and_then(|c| element(c, "CipherValue"))
            .ok_or("<EncryptedKey> has no <CipherData><CipherValue>")?;
        let certificate = element(key, "KeyInfo")
            .and_then(|k| element(k, "X509Data"))
            .and_then(|x| element(x, "X509Certificate"))
            .map(base64_text)
            .transpose()?;
        Ok(Self {
            cipher,
            data: base64_text(cipher_value)?,
            transport,
            encrypted_key: base64_text(key_value)?,
            certificate,
        })
    }

    /// The thumbprint of the certificate the secret names, if it names one.
    pub(crate) fn thumbprint(&self) -> Option<String> {
        self.certificate.as_deref().map(thumbprint)
    }

    /// Decrypts the data with the transported key: IV first, CBC, ISO 10126 padding
    /// (the last byte counts the padding; the others are random and not checked, as
    /// `PaddingMode.ISO10126` reads them). Returns the element's UTF-8 XML.
    #[cfg_attr(not(feature = "certificate"), allow(dead_code))]
    pub(crate) fn decrypt_data(&self, key: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        use crate::config::SymmetricAlgorithm;
        if key.len() != self.cipher.key_len() {
            return None;
        }
        let algorithm = match self.cipher {
            DataCipher::TripleDes => SymmetricAlgorithm::TripleDes,
            _ => SymmetricAlgorithm::Aes,
        };
        let cipher = crate::crypto::cipher::CbcCipher::new(algorithm, key).ok()?;
        let block = cipher.block_size();
        let iv = self.data.get(..block)?;
        let body = self.data.get(block..)?;
        let mut plain = zeroize::Zeroizing::new(cipher.decrypt_unpadded(iv, body)?);
        let pad = usize::from(*plain.last()?);
        if pad == 0 || pad > block || pad > plain.len() {
            return None;
        }
        let keep = plain.len() - pad;
        plain.truncate(keep);
        Some(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_cannot_read() {
        let parse = |xml: &str| {
            let doc = roxmltree::Document::parse(xml).unwrap();
            EncryptedSecret::parse(doc.root_element())
        };
        assert!(parse("<encryptedSecret/>").is_err());
        let other = r#"<encryptedSecret><EncryptedData><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#kw-aes256"/></EncryptedData></encryptedSecret>"#;
        assert!(parse(other).unwrap_err().contains("not supported"));
        let no_key = r#"<encryptedSecret><EncryptedData><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><CipherData><CipherValue>AAAA</CipherValue></CipherData></EncryptedData></encryptedSecret>"#;
        assert!(parse(no_key).unwrap_err().contains("EncryptedKey"));
    }
}
