//! A parsed XML document with the offsets where its lines start, so that the line of a node
//! (named in errors and origins) is a binary search. roxmltree's `Document::text_pos_at`
//! counts from the start of the text on every call: a reader naming the line of each of
//! 100 000 elements of a 10 MB file was quadratic in the file's size.

use std::ops::Deref;

use roxmltree::{Document, Node};

/// A document and its line starts; derefs to the [`Document`].
pub(crate) struct Lined<'i> {
    doc: Document<'i>,
    line_starts: Vec<usize>,
}

impl<'i> Lined<'i> {
    /// Indexes the lines of `text`, the text `doc` was parsed from.
    pub(crate) fn new(doc: Document<'i>, text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { doc, line_starts }
    }

    /// The line (from 1) where `node` starts, as `text_pos_at` counts it.
    pub(crate) fn line(&self, node: Node<'_, '_>) -> usize {
        let pos = node.range().start;
        self.line_starts.partition_point(|&start| start <= pos)
    }
}

impl<'i> Deref for Lined<'i> {
    type Target = Document<'i>;

    fn deref(&self) -> &Document<'i> {
        &self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::Lined;

    #[test]
    fn lines_are_those_roxmltree_counts() {
        for text in [
            "<a/>",
            "\n\n<a>\n<b/><c\n/>\r\n<d>\n\n</d></a>\n",
            "<a>\u{e9}\u{1F600}\n<b/>\n</a>",
        ] {
            let doc = roxmltree::Document::parse(text).unwrap();
            let lined = Lined::new(roxmltree::Document::parse(text).unwrap(), text);
            for (node, same) in doc.descendants().zip(lined.descendants()) {
                let want = usize::try_from(doc.text_pos_at(node.range().start).row).unwrap();
                assert_eq!(lined.line(same), want, "{text:?} at {}", node.range().start);
            }
        }
    }
}
