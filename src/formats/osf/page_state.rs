//! The layout `HiddenFieldPageStatePersister` gives a page's state, named.

use super::value::Value;

/// A page's `__VIEWSTATE` graph read as `Page` and `HiddenFieldPageStatePersister` build it:
/// `Pair(Pair(type hash, control tree state), control state)`.
///
/// `Page.SaveAllState` pairs the page type's hash (`GetTypeHashCode`, as decimal text) with
/// the control tree's view state, and the persister writes that pair first and the control
/// state dictionary second (`HiddenFieldPageStatePersister.Save` in Microsoft's reference
/// source).
///
/// # Example
/// ```
/// use machinekey::crypto::encoding::from_hex;
/// use machinekey::formats::osf::{self, PageState};
/// let doc = osf::read(&from_hex("ff010f0f050a2d3932313634303531320f64160202030f16021e07656e637479706505136d756c7469706172742f666f726d2d646174616464")?)?;
/// let page = PageState::from_value(&doc.root).expect("a page");
/// assert_eq!(page.type_hash, Some(-921_640_512));
/// let tree = page.control_tree().expect("a control tree");
/// let (key, form) = tree.children().next().expect("one child");
/// assert_eq!(key, &osf::Value::Int32(3));
/// let form = form.expect("its state");
/// assert_eq!(form.state_bag(), Some(vec![("enctype", &osf::Value::String("multipart/form-data".into()))]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PageState<'a> {
    /// The page type's hash, parsed from its decimal text (`None` when it does not parse,
    /// which makes ASP.NET ignore the state).
    pub type_hash: Option<i32>,
    /// The hash as written.
    pub type_hash_text: &'a str,
    /// The control tree's view state (`Control.SaveViewStateRecursive` of the page).
    pub view_state: &'a Value,
    /// The control state dictionary (`null` when no control has any).
    pub control_state: &'a Value,
}

impl<'a> PageState<'a> {
    /// Reads the persister layout, or `None` when the graph has another shape (a
    /// `BinarySerialized` root, say, or an `__EVENTVALIDATION` graph).
    #[must_use]
    pub fn from_value(root: &'a Value) -> Option<Self> {
        let Value::Pair(first, control_state) = root else {
            return None;
        };
        let Value::Pair(hash, view_state) = first.as_ref() else {
            return None;
        };
        let text = hash.as_str()?;
        Some(Self {
            type_hash: text.parse().ok(),
            type_hash_text: text,
            view_state,
            control_state,
        })
    }

    /// The page's control tree, when its view state has the shape of one.
    #[must_use]
    pub fn control_tree(&self) -> Option<ControlTree<'a>> {
        ControlTree::from_value(self.view_state)
    }

    /// The control state of each control (by `UniqueID`), from the control state dictionary,
    /// without the `__ControlsRequirePostBackKey__` entry.
    #[must_use]
    pub fn control_states(&self) -> Vec<(&'a str, &'a Value)> {
        dictionary(self.control_state)
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, *v)))
            .filter(|(k, _)| *k != REQUIRE_POSTBACK_KEY)
            .collect()
    }

    /// The `UniqueID`s of the controls that asked for post-back data
    /// (`__ControlsRequirePostBackKey__`).
    #[must_use]
    pub fn controls_requiring_postback(&self) -> Vec<&'a str> {
        dictionary(self.control_state)
            .iter()
            .find(|(k, _)| k.as_str() == Some(REQUIRE_POSTBACK_KEY))
            .and_then(|(_, v)| match v {
                Value::ArrayList(ids) => Some(ids.iter().filter_map(Value::as_str).collect()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The control state dictionary's entries that neither [`control_states`](Self::control_states)
    /// nor [`controls_requiring_postback`](Self::controls_requiring_postback) name: a key
    /// that is not a string, or a post-back entry that is not a list of strings.
    pub(crate) fn other_control_state(&self) -> Vec<(&'a Value, &'a Value)> {
        dictionary(self.control_state)
            .into_iter()
            .filter(|(k, v)| match k.as_str() {
                Some(REQUIRE_POSTBACK_KEY) => !matches!(
                    v,
                    Value::ArrayList(ids) if ids.iter().all(|id| id.as_str().is_some())
                ),
                Some(_) => false,
                None => true,
            })
            .collect()
    }
}

/// The control state dictionary's key for the controls that require post-back data.
pub(crate) const REQUIRE_POSTBACK_KEY: &str = "__ControlsRequirePostBackKey__";

fn dictionary(v: &Value) -> Vec<(&Value, &Value)> {
    match v {
        Value::Hashtable(entries) | Value::HybridDictionary(entries) => {
            entries.iter().map(|(k, v)| (k, v)).collect()
        }
        _ => Vec::new(),
    }
}

/// One control's saved view state, as `Control.SaveViewStateRecursive` writes it:
/// `Pair(own state, children)` or, with a control adapter, `Triplet(own state, adapter
/// state, children)`, where children alternate a key (the child's index, or its ID with
/// `LoadViewStateByID`) and that child's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlTree<'a> {
    /// The control's own state (`SaveViewState`: usually its `StateBag`), or `null`.
    pub own: &'a Value,
    /// The control adapter's state, when there is an adapter.
    pub adapter: Option<&'a Value>,
    children: Option<&'a [Value]>,
}

impl<'a> ControlTree<'a> {
    /// Reads one control's state, or `None` when `v` has another shape.
    #[must_use]
    pub fn from_value(v: &'a Value) -> Option<Self> {
        let (own, adapter, children) = match v {
            Value::Pair(own, children) => (own.as_ref(), None, children.as_ref()),
            Value::Triplet(own, adapter, children) => {
                (own.as_ref(), Some(adapter.as_ref()), children.as_ref())
            }
            _ => return None,
        };
        let children = match children {
            Value::Null => None,
            Value::ArrayList(items)
                if items.len() % 2 == 0
                    && items
                        .iter()
                        .step_by(2)
                        .all(|k| matches!(k, Value::Int32(_)) || k.as_str().is_some()) =>
            {
                Some(items.as_slice())
            }
            _ => return None,
        };
        Some(Self {
            own,
            adapter,
            children,
        })
    }

    /// Each child's key and its state (`None` when the state has another shape; the raw value
    /// is then [`children_raw`](Self::children_raw)'s).
    pub fn children(&self) -> impl Iterator<Item = (&'a Value, Option<ControlTree<'a>>)> + use<'a> {
        self.children_raw()
            .into_iter()
            .map(|(k, v)| (k, ControlTree::from_value(v)))
    }

    /// Each child's key and its raw state value.
    #[must_use]
    pub fn children_raw(&self) -> Vec<(&'a Value, &'a Value)> {
        let items = self.children.unwrap_or_default();
        items
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((k, v)),
                _ => None,
            })
            .collect()
    }

    /// The own state read as a `StateBag` (`StateBag.SaveViewState`: an `ArrayList`
    /// alternating keys and values), either on its own (`Control.SaveViewState`) or as the
    /// first half of `WebControl.SaveViewState`'s `Pair(StateBag, attributes)` (see
    /// [`attributes`](Self::attributes)); `None` when it has another shape (UNVERIFIED beyond
    /// the reference source: controls may save anything as their own state).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::osf::{ControlTree, Value};
    /// let bag = Value::ArrayList(vec![Value::IndexedString("Text".into()), Value::String("Hi".into())]);
    /// let web_control = Value::Pair(Box::new(bag), Box::new(Value::Null));
    /// let tree = Value::Pair(Box::new(web_control), Box::new(Value::Null));
    /// let control = ControlTree::from_value(&tree).unwrap();
    /// assert_eq!(control.state_bag(), Some(vec![("Text", &Value::String("Hi".into()))]));
    /// assert_eq!(control.attributes(), None); // no attributes saved
    /// ```
    #[must_use]
    pub fn state_bag(&self) -> Option<Vec<(&'a str, &'a Value)>> {
        state_bag(self.own).or_else(|| match self.own {
            Value::Pair(bag, _) => state_bag(bag),
            _ => None,
        })
    }

    /// The state of a `WebControl`'s attributes (the second half of its
    /// `Pair(StateBag, attributes)`), when it saved any.
    #[must_use]
    pub fn attributes(&self) -> Option<&'a Value> {
        match self.own {
            Value::Pair(bag, attributes)
                if state_bag(bag).is_some() && !matches!(attributes.as_ref(), Value::Null) =>
            {
                Some(attributes)
            }
            _ => None,
        }
    }
}

/// An `ArrayList` alternating string keys and values.
pub(crate) fn state_bag(v: &Value) -> Option<Vec<(&str, &Value)>> {
    let Value::ArrayList(items) = v else {
        return None;
    };
    if items.is_empty() || items.len() % 2 != 0 {
        return None;
    }
    items
        .chunks_exact(2)
        .map(|pair| match pair {
            [k, v] => Some((k.as_str()?, v)),
            _ => None,
        })
        .collect()
}
