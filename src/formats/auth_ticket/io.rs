//! `BinaryReader` / `BinaryWriter` as the ticket serializers use them (Int32 little-endian,
//! Boolean as one byte, strings as a 7-bit byte length and UTF-8), with the `"\0"` default
//! elision and the properties block both serializers share.

use super::{AuthProperties, Claim, DEFAULT_ISSUER, STRING_VALUE_TYPE, TicketError, TicketLimits};
use crate::binary::{read_7bit, write_7bit};

/// The placeholder written for a value equal to its default.
const DEFAULT_MARK: &str = "\0";

pub(super) struct Writer {
    pub(super) out: Vec<u8>,
}

impl Writer {
    pub(super) fn new() -> Self {
        Self { out: Vec::new() }
    }

    pub(super) fn i32(&mut self, n: i32) {
        self.out.extend_from_slice(&n.to_le_bytes());
    }

    pub(super) fn count(&mut self, n: usize, what: &'static str) -> Result<(), TicketError> {
        let n = i32::try_from(n).map_err(|_| TicketError::new(self.out.len(), what))?;
        self.i32(n);
        Ok(())
    }

    pub(super) fn bool(&mut self, b: bool) {
        self.out.push(u8::from(b));
    }

    pub(super) fn string(&mut self, s: &str) {
        write_7bit(&mut self.out, s.len());
        self.out.extend_from_slice(s.as_bytes());
    }

    /// `WriteWithDefault`: `"\0"` when the value is the default.
    pub(super) fn with_default(&mut self, s: &str, default: &str) {
        self.string(if s == default { DEFAULT_MARK } else { s });
    }

    /// A claim's five strings as both serializers write them, each default elided: the type
    /// (default: the identity's name claim type), the value, the value type, the issuer, and
    /// the original issuer (default: the issuer).
    pub(super) fn claim_fields(&mut self, c: &Claim, name_claim_type: &str) {
        self.with_default(&c.claim_type, name_claim_type);
        self.string(&c.value);
        self.with_default(&c.value_type, STRING_VALUE_TYPE);
        self.with_default(&c.issuer, DEFAULT_ISSUER);
        self.with_default(&c.original_issuer, &c.issuer);
    }

    /// `PropertiesSerializer.Write` (version 1).
    pub(super) fn properties(&mut self, p: &AuthProperties) -> Result<(), TicketError> {
        self.i32(1);
        self.count(p.items.len(), "too many properties")?;
        for (k, v) in &p.items {
            self.string(k);
            self.string(v);
        }
        Ok(())
    }
}

pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) limits: TicketLimits,
    entries: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8], limits: TicketLimits) -> Self {
        Self {
            bytes,
            pos: 0,
            limits,
            entries: 0,
        }
    }

    pub(super) fn fail<T>(&self, offset: usize, reason: &'static str) -> Result<T, TicketError> {
        Err(TicketError::new(offset, reason))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], TicketError> {
        let start = self.pos;
        match start
            .checked_add(n)
            .and_then(|end| self.bytes.get(start..end))
        {
            Some(s) => {
                self.pos = start + n;
                Ok(s)
            }
            None => self.fail(start, "the data ends inside a field"),
        }
    }

    pub(super) fn i32(&mut self) -> Result<i32, TicketError> {
        let start = self.pos;
        let b = self.take(4)?;
        <[u8; 4]>::try_from(b)
            .map(i32::from_le_bytes)
            .or_else(|_| self.fail(start, "the data ends inside a field"))
    }

    /// A count of entries (claims, identities, properties): not negative, within the limit,
    /// and no more than the bytes left could hold (`each` bytes at least).
    pub(super) fn count(&mut self, each: usize) -> Result<usize, TicketError> {
        let start = self.pos;
        let n = usize::try_from(self.i32()?).or_else(|_| self.fail(start, "a negative count"))?;
        if n.saturating_mul(each) > self.bytes.len().saturating_sub(self.pos) {
            return self.fail(start, "a count past the data");
        }
        self.entries = self.entries.saturating_add(n);
        if self.entries > self.limits.max_entries {
            return self.fail(
                start,
                "more identities, claims and properties than the limit",
            );
        }
        Ok(n)
    }

    pub(super) fn bool(&mut self) -> Result<bool, TicketError> {
        // ReadBoolean: any non-zero byte is true.
        Ok(self.take(1)?.first().is_some_and(|b| *b != 0))
    }

    pub(super) fn string(&mut self) -> Result<String, TicketError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let Some((n, after)) = read_7bit(rest) else {
            return self.fail(start, "a bad string length");
        };
        self.pos = start + (rest.len() - after.len());
        let at = self.pos;
        let bytes = self.take(n)?;
        match core::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => self.fail(at, "a string that is not UTF-8"),
        }
    }

    /// `ReadWithDefault`.
    pub(super) fn with_default(&mut self, default: &str) -> Result<String, TicketError> {
        let s = self.string()?;
        Ok(if s == DEFAULT_MARK {
            default.to_owned()
        } else {
            s
        })
    }

    /// `(key, value)` pairs, refusing a duplicate key as `Dictionary.Add` does.
    pub(super) fn pairs(&mut self) -> Result<Vec<(String, String)>, TicketError> {
        let n = self.count(2)?;
        let mut out: Vec<(String, String)> = Vec::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let k = self.string()?;
            let v = self.string()?;
            if out.iter().any(|(key, _)| *key == k) {
                return self.fail(at, "a duplicate key");
            }
            out.push((k, v));
        }
        Ok(out)
    }

    /// A claim's five strings (see [`Writer::claim_fields`]), without properties.
    pub(super) fn claim_fields(&mut self, name_claim_type: &str) -> Result<Claim, TicketError> {
        let claim_type = self.with_default(name_claim_type)?;
        let value = self.string()?;
        let value_type = self.with_default(STRING_VALUE_TYPE)?;
        let issuer = self.with_default(DEFAULT_ISSUER)?;
        let original_issuer = self.with_default(&issuer)?;
        Ok(Claim {
            claim_type,
            value,
            value_type,
            issuer,
            original_issuer,
            properties: Vec::new(),
        })
    }

    /// `PropertiesSerializer.Read` (version 1).
    pub(super) fn properties(&mut self) -> Result<AuthProperties, TicketError> {
        let at = self.pos;
        if self.i32()? != 1 {
            return self.fail(at, "properties of another format version than 1");
        }
        Ok(AuthProperties {
            items: self.pairs()?,
        })
    }
}
