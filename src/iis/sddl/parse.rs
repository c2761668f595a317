//! The SDDL reader: components, ACL flags, ACEs and their fields, each error with the byte
//! offset where it is.

use super::{
    ACE_TYPES, Ace, Acl, FLAG_CODES, MAX_ACES, MAX_SDDL_LEN, RIGHT_CODES, SddlError,
    SecurityDescriptor, Trustee, fail,
};
use crate::iis::sid::{self, AliasTarget, Sid};

/// Reads a whole security descriptor.
pub(super) fn descriptor(text: &str) -> Result<SecurityDescriptor, SddlError> {
    if text.len() > MAX_SDDL_LEN {
        return fail(MAX_SDDL_LEN, format!("longer than {MAX_SDDL_LEN} bytes"));
    }
    let mut p = Parser { text, pos: 0 };
    let mut sd = SecurityDescriptor::default();
    loop {
        p.skip_space();
        if p.rest().is_empty() {
            break;
        }
        let at = p.pos;
        let tag = p.peek_upper(2);
        if !p.at_component() {
            return fail(
                at,
                format!("expected O:, G:, D: or S:, found {:?}", snippet(p.rest())),
            );
        }
        p.pos += 2;
        let twice = || fail(at, format!("{tag} is given twice"));
        match tag.as_str() {
            "O:" => {
                if sd.owner.is_some() {
                    return twice();
                }
                p.skip_space();
                sd.owner = Some(p.trustee_token()?);
            }
            "G:" => {
                if sd.group.is_some() {
                    return twice();
                }
                p.skip_space();
                sd.group = Some(p.trustee_token()?);
            }
            "D:" => {
                if sd.dacl.is_some() {
                    return twice();
                }
                sd.dacl = Some(p.acl()?);
            }
            _ => {
                if sd.sacl.is_some() {
                    return twice();
                }
                sd.sacl = Some(p.acl()?);
            }
        }
    }
    Ok(sd)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Up to `n` characters at the cursor, upper-cased.
    fn peek_upper(&self, n: usize) -> String {
        self.rest()
            .chars()
            .take(n)
            .collect::<String>()
            .to_ascii_uppercase()
    }

    fn at_component(&self) -> bool {
        let p = self.peek_upper(2);
        matches!(p.as_str(), "O:" | "G:" | "D:" | "S:")
    }

    /// A trustee at the cursor, ending where the SID's characters end.
    fn trustee_token(&mut self) -> Result<Trustee, SddlError> {
        let start = self.pos;
        let rest = self.rest();
        if rest.len() >= 2 && rest.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("S-")) {
            let mut end = 1;
            let bytes = rest.as_bytes();
            while let Some(&b) = bytes.get(end) {
                let component_tag = matches!(b.to_ascii_uppercase(), b'G' | b'D' | b'S')
                    && bytes.get(end + 1) == Some(&b':');
                if component_tag || !(b.is_ascii_alphanumeric() || b == b'-') {
                    break;
                }
                end += 1;
            }
            let text = rest.get(..end).unwrap_or_default();
            self.pos += end;
            return Sid::parse_at(text, start)
                .map(Trustee::Sid)
                .map_err(|e| SddlError {
                    offset: e.offset,
                    message: e.message.to_owned(),
                });
        }
        let code = rest.get(..2).unwrap_or(rest);
        let resolved = if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            sid::alias(code)
        } else {
            None
        };
        let Some(target) = resolved else {
            return fail(
                start,
                format!(
                    "expected a SID (S-1-...) or a two-letter alias, found {:?}",
                    snippet(rest)
                ),
            );
        };
        self.pos += 2;
        let alias = code.to_ascii_uppercase();
        Ok(match target {
            AliasTarget::Sid(s) => Trustee::Sid(s),
            AliasTarget::DomainRelative(rid) => Trustee::DomainRelative { alias, rid },
            AliasTarget::MachineRelative(rid) => Trustee::MachineRelative { alias, rid },
        })
    }

    fn acl(&mut self) -> Result<Acl, SddlError> {
        let mut acl = Acl::default();
        loop {
            let rest = self.rest();
            let upper = self.peek_upper(17);
            if upper.starts_with("NO_ACCESS_CONTROL") {
                acl.null = true;
                self.pos += 17;
            } else if upper.starts_with("AR") {
                acl.auto_inherit_required = true;
                self.pos += 2;
            } else if upper.starts_with("AI") {
                acl.auto_inherited = true;
                self.pos += 2;
            } else if upper.starts_with('P') && !self.at_component() {
                acl.protected = true;
                self.pos += 1;
            } else if rest.starts_with('(') || rest.is_empty() || self.at_component() {
                break;
            } else if rest.starts_with(char::is_whitespace) {
                self.skip_space();
            } else {
                return fail(
                    self.pos,
                    format!(
                        "unknown ACL flag at {:?} (expected P, AR, AI or NO_ACCESS_CONTROL)",
                        snippet(rest)
                    ),
                );
            }
        }
        loop {
            self.skip_space();
            if !self.rest().starts_with('(') {
                break;
            }
            if acl.aces.len() == MAX_ACES {
                return fail(self.pos, format!("more than {MAX_ACES} ACEs"));
            }
            let ace = self.ace()?;
            acl.aces.push(ace);
        }
        Ok(acl)
    }

    /// One `(...)` ACE; the cursor is on the `(`.
    fn ace(&mut self) -> Result<Ace, SddlError> {
        let open = self.pos;
        let rest = self.rest();
        // Find the closing parenthesis, allowing nested ones and quoted strings in a
        // condition.
        let mut depth = 0usize;
        let mut quoted = false;
        let mut close = None;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            return fail(open, "the ACE has no closing ')'");
        };
        let body = rest.get(1..close).unwrap_or_default();
        self.pos += close + 1;
        let base = open + 1;
        // Split on ';' outside parentheses (the condition may hold ';' inside quotes).
        let mut fields: Vec<(usize, &str)> = Vec::new();
        let mut start = 0;
        let mut depth = 0usize;
        let mut quoted = false;
        for (i, c) in body.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth = depth.saturating_sub(1),
                ';' if !quoted && depth == 0 => {
                    fields.push((base + start, body.get(start..i).unwrap_or_default()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        fields.push((base + start, body.get(start..).unwrap_or_default()));
        if fields.len() < 6 {
            return fail(
                open,
                format!(
                    "an ACE has six fields (type;flags;rights;object;inherited object;SID), this one has {}",
                    fields.len()
                ),
            );
        }
        if fields.len() > 7 {
            return fail(
                fields.get(7).map_or(open, |f| f.0),
                "too many fields in the ACE",
            );
        }
        let field = |i: usize| fields.get(i).copied().unwrap_or((open, ""));
        let (at, type_text) = field(0);
        let ace_type = ACE_TYPES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(type_text.trim()))
            .map(|(_, t)| *t)
            .ok_or_else(|| SddlError {
                offset: at,
                message: format!("unknown ACE type {:?}", snippet(type_text)),
            })?;
        let (at, flag_text) = field(1);
        let flags = parse_codes(flag_text, at, FLAG_CODES, "ACE flag")?
            .into_iter()
            .fold(0u8, |a, b| a | b);
        let (at, rights_text) = field(2);
        let mask = parse_rights(rights_text, at)?;
        let (at, object) = field(3);
        let object_type = parse_guid(object, at)?;
        let (at, inherited) = field(4);
        let inherited_object_type = parse_guid(inherited, at)?;
        let (at, sid_text) = field(5);
        let sid_text_trimmed = sid_text.trim();
        let lead = sid_text.len() - sid_text.trim_start().len();
        let mut sub = Parser {
            text: self.text,
            pos: at + lead,
        };
        let trustee = sub.trustee_token()?;
        if sub.pos != at + lead + sid_text_trimmed.len() {
            return fail(
                sub.pos,
                format!("unexpected text after the SID in {:?}", snippet(sid_text)),
            );
        }
        let extra = match fields.get(6) {
            Some((at, text)) => {
                let t = text.trim();
                if !(t.starts_with('(') && t.ends_with(')')) {
                    return fail(
                        *at,
                        "a condition or resource attribute is written in parentheses",
                    );
                }
                Some(t.to_owned())
            }
            None => None,
        };
        if ace_type.is_conditional() && extra.is_none() {
            return fail(open, "a callback ACE needs a condition");
        }
        Ok(Ace {
            ace_type,
            flags,
            mask,
            object_type,
            inherited_object_type,
            trustee,
            extra,
        })
    }
}

/// A short, safe excerpt of input for messages.
fn snippet(text: &str) -> String {
    text.chars().take(24).collect()
}

fn parse_codes<T: Copy>(
    text: &str,
    at: usize,
    table: &[(&str, T)],
    what: &str,
) -> Result<Vec<T>, SddlError> {
    let trimmed = text.trim();
    let lead = text.len() - text.trim_start().len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < trimmed.len() {
        let code = trimmed
            .get(i..i + 2)
            .unwrap_or_else(|| trimmed.get(i..).unwrap_or_default());
        match table.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)) {
            Some((_, v)) if code.len() == 2 => out.push(*v),
            _ => {
                return fail(at + lead + i, format!("unknown {what} {:?}", snippet(code)));
            }
        }
        i += 2;
    }
    Ok(out)
}

fn parse_rights(text: &str, at: usize) -> Result<u32, SddlError> {
    let t = text.trim();
    let lead = text.len() - text.trim_start().len();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return fail(
                at + lead,
                "an access mask in hex is 0x and one to eight hex digits",
            );
        }
        return u32::from_str_radix(hex, 16)
            .or_else(|_| fail(at + lead, "the access mask does not fit 32 bits"));
    }
    if t.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        if !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 10 {
            return fail(at + lead, "a decimal access mask has only digits");
        }
        return t
            .parse::<u32>()
            .or_else(|_| fail(at + lead, "the access mask does not fit 32 bits"));
    }
    Ok(parse_codes(text, at, RIGHT_CODES, "access right")?
        .into_iter()
        .fold(0, |a, b| a | b))
}

fn parse_guid(text: &str, at: usize) -> Result<Option<String>, SddlError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let groups: Vec<&str> = t.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lens != [8, 4, 4, 4, 12] || !t.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return fail(
            at,
            "an object type is a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
        );
    }
    Ok(Some(t.to_ascii_lowercase()))
}
