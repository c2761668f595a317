//! The record walker: reads every record of \[MS-NRBF\] section 2 without building objects.

use std::collections::HashMap;

use super::{Class, NrbfError, Stream, is_stream};
use crate::crypto::encoding::from_base64;
use crate::formats::osf::read::read_unchecked;

/// How deep records may nest inside one stream.
const MAX_DEPTH: usize = 64;
/// How deep streams may nest inside streams (byte arrays, Base64 strings, LosFormatter text).
const MAX_NESTING: usize = 4;
/// Elements of one multi-dimensional array (null runs cover many with few bytes).
const MAX_ELEMENTS: u64 = 1 << 24;

/// How one member or element is encoded (`BinaryTypeEnumeration` with its additional info).
#[derive(Debug, Clone)]
enum MemberType {
    Primitive(u8),
    /// String, Object, SystemClass, Class, ObjectArray, StringArray, PrimitiveArray: a record.
    Record,
}

/// What one record read amounts to, for the array and stream loops.
enum Read {
    /// A value (object, string, reference, null...).
    Value,
    /// `ObjectNullMultiple(256)`: this many nulls.
    Nulls(usize),
    /// `MessageEnd`.
    End,
}

struct Walker<'a> {
    bytes: &'a [u8],
    pos: usize,
    nesting: usize,
    libraries: HashMap<i32, String>,
    /// Class metadata by object id, for `ClassWithId` records.
    classes: HashMap<i32, (usize, Vec<MemberType>)>,
    out: Stream,
}

pub(super) fn walk(bytes: &[u8], nesting: usize) -> (Stream, Option<NrbfError>) {
    let mut w = Walker {
        bytes,
        pos: 0,
        nesting,
        libraries: HashMap::new(),
        classes: HashMap::new(),
        out: Stream::default(),
    };
    let result = w.stream();
    w.out.length = w.pos;
    (w.out, result.err())
}

impl Walker<'_> {
    fn fail<T>(&self, offset: usize, reason: &'static str) -> Result<T, NrbfError> {
        Err(NrbfError { offset, reason })
    }

    fn take(&mut self, n: usize) -> Result<&[u8], NrbfError> {
        let start = self.pos;
        match start
            .checked_add(n)
            .and_then(|end| self.bytes.get(start..end))
        {
            Some(slice) => {
                self.pos = start + n;
                Ok(slice)
            }
            None => self.fail(start, "the data ends inside a record"),
        }
    }

    fn u8(&mut self) -> Result<u8, NrbfError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn i32(&mut self) -> Result<i32, NrbfError> {
        let start = self.pos;
        let b = self.take(4)?;
        <[u8; 4]>::try_from(b)
            .map(i32::from_le_bytes)
            .or_else(|_| self.fail(start, "the data ends inside a record"))
    }

    fn count(&mut self) -> Result<usize, NrbfError> {
        let start = self.pos;
        let n = self.i32()?;
        usize::try_from(n).or_else(|_| self.fail(start, "a negative count"))
    }

    /// `LengthPrefixedString`: 7-bit byte length, then UTF-8.
    fn string(&mut self) -> Result<String, NrbfError> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let Some((n, after)) = crate::binary::read_7bit(rest) else {
            return self.fail(start, "a bad string length");
        };
        self.take(rest.len() - after.len())?;
        let at = self.pos;
        let bytes = self.take(n)?;
        match core::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => self.fail(at, "a string that is not UTF-8"),
        }
    }

    /// One primitive value without a record byte (`MemberPrimitiveUnTyped`).
    fn primitive(&mut self, kind: u8) -> Result<(), NrbfError> {
        let start = self.pos;
        let size = match kind {
            1 | 2 | 10 => 1,
            7 | 14 => 2,
            8 | 11 | 15 => 4,
            6 | 9 | 12 | 13 | 16 => 8,
            3 => {
                // Char: one UTF-8 sequence.
                let len = match self.bytes.get(start) {
                    Some(0x00..=0x7F) => 1,
                    Some(0xC2..=0xDF) => 2,
                    Some(0xE0..=0xEF) => 3,
                    Some(0xF0..=0xF4) => 4,
                    _ => return self.fail(start, "a char that is not UTF-8"),
                };
                let b = self.take(len)?;
                return match core::str::from_utf8(b) {
                    Ok(_) => Ok(()),
                    Err(_) => self.fail(start, "a char that is not UTF-8"),
                };
            }
            5 => return self.string().map(|_| ()),
            _ => return self.fail(start, "an unknown primitive type"),
        };
        self.take(size).map(|_| ())
    }

    fn stream(&mut self) -> Result<(), NrbfError> {
        if !is_stream(self.bytes) {
            return self.fail(
                0,
                "no SerializedStreamHeader (00 ... FF FF FF FF 01 00 00 00 00 00 00 00)",
            );
        }
        self.take(17)?;
        loop {
            match self.record(0)? {
                Read::End => return Ok(()),
                Read::Value | Read::Nulls(_) => {}
            }
        }
    }

    /// The member types of a class record with type information (`MemberTypeInfo`).
    fn member_types(&mut self, count: usize) -> Result<Vec<MemberType>, NrbfError> {
        let kinds = self.take(count)?.to_vec();
        let mut out = Vec::with_capacity(count);
        for kind in kinds {
            let at = self.pos;
            out.push(match kind {
                0 | 7 => {
                    let p = self.u8()?;
                    if !matches!(p, 1..=3 | 5..=16) {
                        return self.fail(at, "an unknown primitive type");
                    }
                    if kind == 0 {
                        MemberType::Primitive(p)
                    } else {
                        MemberType::Record
                    }
                }
                1 | 2 | 5 | 6 => MemberType::Record,
                3 => {
                    let name = self.string()?;
                    self.out.member_types.push(name);
                    MemberType::Record
                }
                4 => {
                    let name = self.string()?;
                    self.i32()?;
                    self.out.member_types.push(name);
                    MemberType::Record
                }
                _ => return self.fail(at.saturating_sub(1), "an unknown binary type"),
            });
        }
        Ok(out)
    }

    fn class_info(&mut self) -> Result<(i32, String, Vec<String>), NrbfError> {
        let id = self.i32()?;
        let name = self.string()?;
        let at = self.pos;
        let count = self.count()?;
        if count > self.bytes.len().saturating_sub(self.pos) {
            return self.fail(at, "a member count past the data");
        }
        let mut members = Vec::with_capacity(count);
        for _ in 0..count {
            members.push(self.string()?);
        }
        Ok((id, name, members))
    }

    fn member_values(&mut self, types: &[MemberType], depth: usize) -> Result<(), NrbfError> {
        for t in types {
            self.value(t, depth)?;
        }
        Ok(())
    }

    /// One member or element value.
    fn value(&mut self, t: &MemberType, depth: usize) -> Result<(), NrbfError> {
        match t {
            MemberType::Primitive(p) => self.primitive(*p),
            MemberType::Record => {
                let at = self.pos;
                match self.record(depth + 1)? {
                    Read::Value => Ok(()),
                    Read::Nulls(_) | Read::End => {
                        self.fail(at, "a null run or MessageEnd as a member value")
                    }
                }
            }
        }
    }

    fn class(&mut self, name: String, library: Option<String>, members: Vec<String>) -> usize {
        self.out.classes.push(Class {
            name,
            library,
            members,
        });
        self.out.classes.len() - 1
    }

    fn library(&self, at: usize, id: i32) -> Result<String, NrbfError> {
        match self.libraries.get(&id) {
            Some(name) => Ok(name.clone()),
            None => self.fail(at, "a class of a library that was not defined"),
        }
    }

    /// Elements of an array of records, where null runs count as several.
    fn elements(&mut self, count: u64, t: &MemberType, depth: usize) -> Result<(), NrbfError> {
        let mut left = count;
        while left > 0 {
            let at = self.pos;
            match t {
                MemberType::Primitive(p) => {
                    self.primitive(*p)?;
                    left -= 1;
                }
                MemberType::Record => match self.record(depth + 1)? {
                    Read::Value => left -= 1,
                    Read::Nulls(n) => {
                        let n = u64::try_from(n).unwrap_or(u64::MAX);
                        if n > left {
                            return self.fail(at, "a null run past the array's length");
                        }
                        left -= n;
                    }
                    Read::End => return self.fail(at, "MessageEnd inside an array"),
                },
            }
        }
        Ok(())
    }

    fn record(&mut self, depth: usize) -> Result<Read, NrbfError> {
        let mut start = self.pos;
        if depth > MAX_DEPTH {
            return self.fail(start, "records nested deeper than 64");
        }
        // BinaryLibrary records precede the record they serve: read in a loop, so that a run
        // of them (any number, a few bytes each) does not nest calls.
        while self.bytes.get(self.pos) == Some(&12) {
            self.pos += 1;
            let id = self.i32()?;
            let name = self.string()?;
            self.out.libraries.push(name.clone());
            self.libraries.insert(id, name);
            start = self.pos;
        }
        match self.u8()? {
            0 => self.fail(start, "a second stream header"),
            1 => {
                // ClassWithId: the members follow an earlier class record's metadata.
                let id = self.i32()?;
                let at = self.pos;
                let meta = self.i32()?;
                let Some((index, types)) = self.classes.get(&meta).cloned() else {
                    return self.fail(at, "a ClassWithId naming no earlier class");
                };
                if let Some(c) = self.out.classes.get(index).cloned() {
                    let i = self.class(c.name, c.library, c.members);
                    self.classes.insert(id, (i, types.clone()));
                }
                self.member_values(&types, depth)?;
                Ok(Read::Value)
            }
            kind @ (2 | 3) => {
                // Without type information: every member is a record.
                let (id, name, members) = self.class_info()?;
                let library = if kind == 3 {
                    let at = self.pos;
                    let lib = self.i32()?;
                    Some(self.library(at, lib)?)
                } else {
                    None
                };
                let types = vec![MemberType::Record; members.len()];
                let i = self.class(name, library, members);
                self.classes.insert(id, (i, types.clone()));
                self.member_values(&types, depth)?;
                Ok(Read::Value)
            }
            kind @ (4 | 5) => {
                let (id, name, members) = self.class_info()?;
                let types = self.member_types(members.len())?;
                let library = if kind == 5 {
                    let at = self.pos;
                    let lib = self.i32()?;
                    Some(self.library(at, lib)?)
                } else {
                    None
                };
                let i = self.class(name, library, members);
                self.classes.insert(id, (i, types.clone()));
                self.member_values(&types, depth)?;
                Ok(Read::Value)
            }
            6 => {
                self.i32()?;
                let s = self.string()?;
                self.nested_in_string(&s);
                self.out.strings.push(s);
                Ok(Read::Value)
            }
            7 => {
                self.i32()?;
                let at = self.pos;
                let array_type = self.u8()?;
                let rank = self.count()?;
                if !(1..=32).contains(&rank) || array_type > 5 {
                    return self.fail(at, "a BinaryArray of an unknown kind or rank");
                }
                let mut total: u64 = 1;
                for _ in 0..rank {
                    let n = u64::try_from(self.count()?).unwrap_or(u64::MAX);
                    total = total.saturating_mul(n);
                }
                if total > MAX_ELEMENTS {
                    return self.fail(at, "a BinaryArray of more than 16 million elements");
                }
                if matches!(array_type, 3..=5) {
                    for _ in 0..rank {
                        self.i32()?;
                    }
                }
                let types = self.member_types(1)?;
                let t = types.first().cloned().unwrap_or(MemberType::Record);
                self.elements(total, &t, depth)?;
                Ok(Read::Value)
            }
            8 => {
                let p = self.u8()?;
                self.primitive(p)?;
                Ok(Read::Value)
            }
            9 => {
                self.i32()?;
                Ok(Read::Value)
            }
            10 => Ok(Read::Value),
            11 => Ok(Read::End),
            13 => Ok(Read::Nulls(usize::from(self.u8()?))),
            14 => Ok(Read::Nulls(self.count()?)),
            15 => {
                self.i32()?;
                let at = self.pos;
                let n = self.count()?;
                let p = self.u8()?;
                if p == 2 {
                    // byte[]: it may hold a nested stream (ActivitySurrogateSelector, DataSet).
                    let bytes = self.take(n)?.to_vec();
                    self.nested(&bytes);
                    return Ok(Read::Value);
                }
                if !matches!(p, 1 | 3 | 5..=16) {
                    return self.fail(at, "an unknown primitive type");
                }
                if n > self.bytes.len().saturating_sub(self.pos) {
                    return self.fail(at, "an array length past the data");
                }
                for _ in 0..n {
                    self.primitive(p)?;
                }
                Ok(Read::Value)
            }
            16 | 17 => {
                self.i32()?;
                let n = self.count()?;
                self.elements(
                    u64::try_from(n).unwrap_or(u64::MAX),
                    &MemberType::Record,
                    depth,
                )?;
                Ok(Read::Value)
            }
            21 | 22 => self.fail(start, "a method call or return record (remoting), not read"),
            _ => self.fail(start, "an unknown record type"),
        }
    }

    /// A stream nested in bytes, read into `nested` (bounded by [`MAX_NESTING`]).
    fn nested(&mut self, bytes: &[u8]) {
        if self.nesting >= MAX_NESTING {
            return;
        }
        if is_stream(bytes) {
            let (inner, _) = walk(bytes, self.nesting + 1);
            self.out.nested.push(inner);
        } else if let Ok(doc) = read_unchecked(bytes) {
            for payload in doc.root.binary_payloads() {
                let (inner, _) = walk(payload, self.nesting + 1);
                self.out.nested.push(inner);
            }
        }
    }

    /// A string that is Base64 of a stream, or `LosFormatter` text.
    fn nested_in_string(&mut self, s: &str) {
        if s.len() < 24 || self.nesting >= MAX_NESTING {
            return;
        }
        let t = s.trim();
        if t.starts_with("AAEAAAD") || t.starts_with("/wE") {
            if let Ok(bytes) = from_base64(t) {
                self.nested(&bytes);
            }
        }
    }
}
