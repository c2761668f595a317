//! A readable text form of a tree: one value per line, indented, with the page persister's
//! layout named and `BinaryFormatter` payloads summarised with their gadgets.

use core::fmt::Write as _;

use super::page_state::{ControlTree, PageState, state_bag};
use super::value::{Color, Unit, Value};
use crate::formats::nrbf::{self, gadgets};

/// Longest string shown in full; longer ones are cut with their length.
const MAX_SHOWN: usize = 120;

/// The tree as indented text. A `__VIEWSTATE` graph is shown as a page (type hash, control
/// tree with each control's `StateBag`, control state), any other graph value by value.
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::from_base64;
/// use machinekey::formats::osf::{self, render};
/// let doc = osf::read(&from_base64("/wEPDwUJODExMDE5NzY5ZGQ=")?)?;
/// let text = render::text(&doc.root);
/// assert!(text.starts_with("page state (HiddenFieldPageStatePersister)\n  page type hash: 811019769\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn text(root: &Value) -> String {
    let mut out = String::new();
    match PageState::from_value(root) {
        Some(page) => render_page(&page, &mut out),
        None => value(root, 0, &mut out),
    }
    out
}

fn line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(text);
    out.push('\n');
}

fn render_page(page: &PageState<'_>, out: &mut String) {
    line(out, 0, "page state (HiddenFieldPageStatePersister)");
    match page.type_hash {
        Some(h) => line(out, 1, &format!("page type hash: {h}")),
        None => line(
            out,
            1,
            &format!(
                "page type hash: {} (not a number: ASP.NET ignores this state)",
                quote(page.type_hash_text)
            ),
        ),
    }
    match page.control_tree() {
        Some(tree) => {
            line(out, 1, "view state: page");
            control(&tree, 2, out);
        }
        None if matches!(page.view_state, Value::Null) => line(out, 1, "view state: none"),
        None => {
            line(out, 1, "view state:");
            value(page.view_state, 2, out);
        }
    }
    if matches!(page.control_state, Value::Null) {
        line(out, 1, "control state: none");
    } else {
        line(out, 1, "control state:");
        let states = page.control_states();
        let postback = page.controls_requiring_postback();
        let shown_raw = states.is_empty() && postback.is_empty();
        if shown_raw {
            value(page.control_state, 2, out);
        }
        for (id, v) in states {
            line(out, 2, &format!("{id}:"));
            value(v, 3, out);
        }
        if !postback.is_empty() {
            line(
                out,
                2,
                &format!("controls requiring post-back data: {}", postback.join(", ")),
            );
        }
        // What the two views above leave out (a key that is not a control's ID, a post-back
        // entry of another shape or with other items) is shown raw: a payload there must be
        // seen too.
        if !shown_raw {
            for (k, v) in page.other_control_state() {
                line(out, 2, "other entry:");
                line(out, 3, "key:");
                value(k, 4, out);
                line(out, 3, "value:");
                value(v, 4, out);
            }
        }
    }
}

fn control(tree: &ControlTree<'_>, depth: usize, out: &mut String) {
    match (tree.state_bag(), tree.own) {
        (_, Value::Null) => {}
        (Some(bag), _) => {
            // A StateBag, alone or in WebControl's Pair(the StateBag, the Attributes' state).
            line(out, depth, "state bag:");
            for (k, v) in bag {
                key_value(k, v, depth + 1, out);
            }
            if let Some(attributes) = tree.attributes() {
                line(out, depth, "attributes:");
                value(attributes, depth + 1, out);
            }
        }
        (None, own) => {
            line(out, depth, "own state:");
            value(own, depth + 1, out);
        }
    }
    if let Some(adapter) = tree.adapter {
        line(out, depth, "adapter state:");
        value(adapter, depth + 1, out);
    }
    for (key, child) in tree.children_raw() {
        let name = match key {
            Value::Int32(i) => format!("child {i}"),
            other => format!("child {}", quote(other.as_str().unwrap_or_default())),
        };
        match ControlTree::from_value(child) {
            Some(c) => {
                line(out, depth, &format!("{name}: control"));
                control(&c, depth + 1, out);
            }
            None => {
                line(out, depth, &format!("{name}:"));
                value(child, depth + 1, out);
            }
        }
    }
}

/// `key: value` on one line when the value is a scalar, else the key and the value below.
fn key_value(k: &str, v: &Value, depth: usize, out: &mut String) {
    match scalar(v) {
        Some(s) => line(out, depth, &format!("{k}: {s}")),
        None => {
            line(out, depth, &format!("{k}:"));
            value(v, depth + 1, out);
        }
    }
}

fn quote(s: &str) -> String {
    let count = s.chars().count();
    if count > MAX_SHOWN {
        let cut: String = s.chars().take(MAX_SHOWN).collect();
        format!("{cut:?}... ({count} chars)")
    } else {
        format!("{s:?}")
    }
}

fn scalar(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("Bool {b}"),
        Value::Int16(n) => format!("Int16 {n}"),
        Value::Int32(n) => format!("Int32 {n}"),
        Value::Byte(n) => format!("Byte {n}"),
        Value::Char(c) => format!("Char {c:?}"),
        Value::String(s) => format!("String {}", quote(s)),
        Value::IndexedString(s) => format!("IndexedString {}", quote(s)),
        Value::DateTime(d) => format!(
            "DateTime {} ({:?})",
            d.to_rfc3339()
                .unwrap_or_else(|| format!("ticks {}", d.ticks())),
            d.kind()
        ),
        Value::Double(x) => format!("Double {x}"),
        Value::Single(x) => format!("Single {x}"),
        Value::Color(Color::Argb(argb)) => {
            format!("Color #{:08X}", u32::from_ne_bytes(argb.to_ne_bytes()))
        }
        Value::Color(Color::Known(k)) => format!("Color KnownColor {k}"),
        Value::Color(Color::Empty) => "Color Empty".to_owned(),
        Value::Enum { enum_type, value } => format!("Enum {enum_type} = {value}"),
        Value::Type(t) => format!("Type {t}"),
        Value::Unit(Unit::Empty) => "Unit Empty".to_owned(),
        Value::Unit(Unit::Value { value, unit_type }) => match Unit::suffix(*unit_type) {
            Some(s) => format!("Unit {value}{s}"),
            None => format!("Unit {value} (UnitType {unit_type})"),
        },
        Value::Formatted { value_type, text } => format!("{value_type} {}", quote(text)),
        Value::StringArray(items) if items.is_empty() => "StringArray (0)".to_owned(),
        Value::ArrayList(items) if items.is_empty() => "ArrayList (0)".to_owned(),
        _ => return None,
    })
}

fn value(v: &Value, depth: usize, out: &mut String) {
    if let Some(s) = scalar(v) {
        line(out, depth, &s);
        return;
    }
    match v {
        Value::Pair(..) | Value::Triplet(..) => {
            line(out, depth, v.kind());
            for c in v.children() {
                value(c, depth + 1, out);
            }
        }
        Value::ArrayList(items) => match state_bag(v) {
            Some(bag) => {
                line(
                    out,
                    depth,
                    &format!("ArrayList ({}), as a state bag:", items.len()),
                );
                for (k, v) in bag {
                    key_value(k, v, depth + 1, out);
                }
            }
            None => {
                line(out, depth, &format!("ArrayList ({})", items.len()));
                for c in items {
                    value(c, depth + 1, out);
                }
            }
        },
        Value::Array {
            element_type,
            items,
        } => {
            line(
                out,
                depth,
                &format!("Array of {element_type} ({})", items.len()),
            );
            for c in items {
                value(c, depth + 1, out);
            }
        }
        Value::SparseArray {
            element_type,
            length,
            items,
        } => {
            line(
                out,
                depth,
                &format!(
                    "SparseArray of {element_type} (length {length}, {} set)",
                    items.len()
                ),
            );
            for (i, c) in items {
                line(out, depth + 1, &format!("[{i}]:"));
                value(c, depth + 2, out);
            }
        }
        Value::StringArray(items) => {
            line(out, depth, &format!("StringArray ({})", items.len()));
            for s in items {
                line(out, depth + 1, &quote(s));
            }
        }
        Value::Hashtable(entries) | Value::HybridDictionary(entries) => {
            line(out, depth, &format!("{} ({})", v.kind(), entries.len()));
            for (k, val) in entries {
                match k.as_str() {
                    Some(key) => key_value(&quote(key), val, depth + 1, out),
                    None => {
                        line(out, depth + 1, "key:");
                        value(k, depth + 2, out);
                        line(out, depth + 1, "value:");
                        value(val, depth + 2, out);
                    }
                }
            }
        }
        Value::EventValidationStore(entries) => {
            line(
                out,
                depth,
                &format!("EventValidationStore ({} entries)", entries.len()),
            );
            for e in entries {
                line(out, depth + 1, &hex::encode(e.0));
            }
        }
        Value::BinarySerialized(bytes) => binary(bytes, depth, out),
        other => line(out, depth, other.kind()),
    }
}

fn binary(bytes: &[u8], depth: usize, out: &mut String) {
    line(
        out,
        depth,
        &format!(
            "BinarySerialized ({} bytes, BinaryFormatter; not deserialized)",
            bytes.len()
        ),
    );
    let (stream, error) = nrbf::read_partial(bytes);
    for g in gadgets::triage(&stream) {
        let mut s = format!("!! gadget: {}", g.gadget);
        if g.nesting > 0 {
            let _ = write!(s, " (in a nested stream, level {})", g.nesting);
        }
        let _ = write!(s, ": {}", g.evidence);
        line(out, depth + 1, &s);
    }
    stream_lines(&stream, depth + 1, out);
    if let Some(e) = error {
        line(out, depth + 1, &format!("read stopped: {e}"));
    }
}

fn stream_lines(stream: &nrbf::Stream, depth: usize, out: &mut String) {
    for lib in &stream.libraries {
        line(out, depth, &format!("library {}", quote(lib)));
    }
    let mut seen: Vec<&str> = Vec::new();
    for class in &stream.classes {
        // ClassWithId records repeat an earlier class: list each class once.
        if seen.contains(&class.name.as_str()) {
            continue;
        }
        seen.push(&class.name);
        line(
            out,
            depth,
            &format!(
                "class {} [{}]",
                quote(&class.name),
                class.members.join(", ")
            ),
        );
    }
    for s in &stream.strings {
        line(out, depth, &format!("string {}", quote(s)));
    }
    for inner in &stream.nested {
        line(
            out,
            depth,
            &format!("nested BinaryFormatter stream ({} bytes)", inner.length),
        );
        stream_lines(inner, depth + 1, out);
    }
}
