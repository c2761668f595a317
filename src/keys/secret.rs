//! Secret key newtypes: zeroized on drop, `Debug` redacted, compared in constant time,
//! bytes reachable only through `expose_secret`.

macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, ::zeroize::Zeroize, ::zeroize::ZeroizeOnDrop)]
        pub struct $name(Vec<u8>);

        impl $name {
            /// The key bytes. Handle with care.
            #[must_use]
            pub fn expose_secret(&self) -> &[u8] {
                &self.0
            }

            /// The key length in bytes.
            #[must_use]
            pub fn len(&self) -> usize {
                self.0.len()
            }

            /// Whether the key is empty.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// The key as upper-case hex, the form pasted into `<machineKey>`. Handle with
            /// care.
            #[must_use]
            pub fn to_upper_hex(&self) -> String {
                hex::encode_upper(&self.0)
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                ::subtle::ConstantTimeEq::ct_eq(self.0.as_slice(), other.0.as_slice()).into()
            }
        }

        impl Eq for $name {}
    };
}

pub(crate) use secret_key;

secret_key! {
    /// A validation (MAC) key, or a Framework45 validation master key.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::ValidationKey;
    /// let k = ValidationKey::from_bytes(&[0xAB; 20]);
    /// assert_eq!(format!("{k:?}"), "ValidationKey([redacted])");
    /// assert_eq!(k, ValidationKey::from_bytes(&[0xAB; 20]));
    /// ```
    ValidationKey
}

secret_key! {
    /// A decryption (cipher) key, or a Framework45 encryption master key.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::DecryptionKey;
    /// let k = DecryptionKey::from_bytes(&[0x01; 24]);
    /// assert_eq!(k.len(), 24);
    /// assert_eq!(format!("{k:?}"), "DecryptionKey([redacted])");
    /// ```
    DecryptionKey
}

secret_key! {
    /// Bytes derived from a key (SP800-108 output, Data Protection subkeys).
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::DerivedKey;
    /// let k = DerivedKey::from_bytes(&[7; 32]);
    /// assert_eq!(format!("{k:?}"), "DerivedKey([redacted])");
    /// ```
    DerivedKey
}

impl DerivedKey {
    /// Wraps derived bytes.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl ValidationKey {
    /// Wraps key bytes.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl DecryptionKey {
    /// Wraps key bytes.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_leak_key() {
        let v = ValidationKey::from_bytes(b"\x12\x34secret");
        let d = DecryptionKey::from_bytes(b"\x12\x34secret");
        for shown in [format!("{v:?}"), format!("{d:?}"), format!("{v:#?}")] {
            assert!(!shown.contains("secret") && !shown.contains("12") && !shown.contains("18"));
        }
    }

    #[test]
    fn equality_compares_contents() {
        assert_ne!(
            ValidationKey::from_bytes(&[1, 2]),
            ValidationKey::from_bytes(&[1, 3])
        );
        assert_ne!(
            ValidationKey::from_bytes(&[1, 2]),
            ValidationKey::from_bytes(&[1, 2, 3])
        );
    }
}
