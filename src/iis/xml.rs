//! Shared XML reading for the server files: bounded parsing, lines, typed attributes with
//! errors that name the file and line.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::IisError;

/// The most XML nodes read from one file (a large applicationHost.config has tens of
/// thousands).
pub(crate) const MAX_NODES: u32 = 2_000_000;

pub(crate) use crate::xml_lines::Lined as Xml;

pub(crate) fn parse<'a>(file: &str, text: &'a str) -> Result<Xml<'a>, IisError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        IisError::invalid(
            file,
            usize::try_from(pos.row).unwrap_or(0),
            format!("malformed XML: {e}"),
        )
    })?;
    Ok(Xml::new(doc, text))
}

/// The line (from 1) where `node` starts.
pub(crate) fn line(doc: &Xml<'_>, node: Node<'_, '_>) -> usize {
    doc.line(node)
}

/// The element children of `node` named `name`.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The first element child named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// An attribute read with file and line for its errors.
pub(crate) struct Attrs<'d, 'a, 'i> {
    pub(crate) file: &'d str,
    pub(crate) doc: &'d Xml<'i>,
    pub(crate) node: Node<'a, 'i>,
}

impl<'a, 'i> Attrs<'_, 'a, 'i> {
    pub(crate) fn line(&self) -> usize {
        line(self.doc, self.node)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.node.attribute(name)
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> IisError {
        IisError::invalid(self.file, self.line(), message)
    }

    fn describe(&self, name: &str, value: &str) -> String {
        format!("<{} {name}={value:?}>", self.node.tag_name().name())
    }

    /// `true`/`false` in either case (IIS's boolean attributes).
    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, IisError> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.error(format!(
                "{} is not a boolean (true or false)",
                self.describe(name, v)
            ))),
        }
    }

    /// An unsigned 32-bit number.
    pub(crate) fn u32(&self, name: &str) -> Result<Option<u32>, IisError> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                self.error(format!(
                    "{} is not an unsigned 32-bit number",
                    self.describe(name, v)
                ))
            }),
        }
    }

    /// One of `values` (case-insensitive) or its index as a number, as IIS reads enums.
    pub(crate) fn enumeration<T: Copy>(
        &self,
        name: &str,
        values: &[(&str, T)],
    ) -> Result<Option<T>, IisError> {
        let Some(v) = self.get(name).map(str::trim) else {
            return Ok(None);
        };
        if let Some((_, t)) = values.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)) {
            return Ok(Some(*t));
        }
        if let Some((_, t)) = v.parse::<usize>().ok().and_then(|i| values.get(i)) {
            return Ok(Some(*t));
        }
        let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
        Err(self.error(format!(
            "{} is not one of {}",
            self.describe(name, v),
            names.join(", ")
        )))
    }
}
