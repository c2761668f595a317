//! A page's ObjectStateFormatter graph read as `HiddenFieldPageStatePersister` and
//! `Control.SaveViewStateRecursive` lay it out (`PageState`, `ControlTree`), shape by shape:
//! the control state dictionary, the controls that require post-back data, adapters' triplets,
//! `StateBag`s and `WebControl` attributes, and every shape that is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::osf::{ControlTree, PageState, Value};

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn pair(a: Value, b: Value) -> Value {
    Value::Pair(Box::new(a), Box::new(b))
}

fn triplet(a: Value, b: Value, c: Value) -> Value {
    Value::Triplet(Box::new(a), Box::new(b), Box::new(c))
}

/// `Pair(Pair("hash", view state), control state)`.
fn page(view_state: Value, control_state: Value) -> Value {
    pair(pair(s("-921640512"), view_state), control_state)
}

const POSTBACK: &str = "__ControlsRequirePostBackKey__";

#[test]
fn control_states_are_the_dictionary_without_the_postback_key() {
    for dictionary in [Value::Hashtable, Value::HybridDictionary] {
        let root = page(
            Value::Null,
            dictionary(vec![
                (s("ctl00$grid"), Value::Int32(7)),
                (s(POSTBACK), Value::ArrayList(vec![s("ctl00$cb")])),
                (Value::Int32(5), s("a key that is not a control's")),
                (s("ctl00$wizard"), s("step 2")),
            ]),
        );
        let page = PageState::from_value(&root).unwrap();
        assert_eq!(page.type_hash, Some(-921_640_512));
        assert_eq!(
            page.control_states(),
            [
                ("ctl00$grid", &Value::Int32(7)),
                ("ctl00$wizard", &s("step 2"))
            ]
        );
    }
    // Control state that is not a dictionary holds no control's state.
    let root = page(Value::Null, Value::ArrayList(vec![s("ctl00$grid"), s("x")]));
    assert!(
        PageState::from_value(&root)
            .unwrap()
            .control_states()
            .is_empty()
    );
}

#[test]
fn controls_requiring_postback_are_the_strings_of_that_entry() {
    let root = page(
        Value::Null,
        Value::Hashtable(vec![
            (s("ctl00$grid"), Value::ArrayList(vec![s("not this one")])),
            (
                s(POSTBACK),
                Value::ArrayList(vec![s("ctl00$cb1"), Value::Int32(3), s("ctl00$cb2")]),
            ),
        ]),
    );
    let page = PageState::from_value(&root).unwrap();
    assert_eq!(
        page.controls_requiring_postback(),
        ["ctl00$cb1", "ctl00$cb2"]
    );
    // The entry as another shape, or missing: none.
    let root = self::page(
        Value::Null,
        Value::Hashtable(vec![(s(POSTBACK), s("ctl00$cb1"))]),
    );
    assert!(
        PageState::from_value(&root)
            .unwrap()
            .controls_requiring_postback()
            .is_empty()
    );
    let root = self::page(Value::Null, Value::Null);
    assert!(
        PageState::from_value(&root)
            .unwrap()
            .controls_requiring_postback()
            .is_empty()
    );
}

#[test]
fn an_adapter_triplet_is_a_control_tree() {
    let bag = Value::ArrayList(vec![Value::IndexedString("Text".into()), s("Hi")]);
    let child = pair(Value::Null, Value::Null);
    let tree = triplet(
        bag.clone(),
        s("adapter state"),
        Value::ArrayList(vec![Value::Int32(0), child.clone(), s("ctl01"), s("odd")]),
    );
    let control = ControlTree::from_value(&tree).unwrap();
    assert_eq!(control.own, &bag);
    assert_eq!(control.adapter, Some(&s("adapter state")));
    assert_eq!(control.state_bag(), Some(vec![("Text", &s("Hi"))]));
    let children: Vec<_> = control.children().collect();
    assert_eq!(children.len(), 2);
    assert_eq!(children[0].0, &Value::Int32(0));
    assert_eq!(children[0].1.unwrap().own, &Value::Null);
    assert_eq!(children[1].0, &s("ctl01"));
    assert!(children[1].1.is_none());
    assert_eq!(control.children_raw()[1], (&s("ctl01"), &s("odd")));
    // A pair has no adapter.
    let plain = ControlTree::from_value(&child).unwrap();
    assert_eq!(plain.adapter, None);
    assert_eq!(plain.children().count(), 0);
}

#[test]
fn children_must_alternate_keys_and_states() {
    for children in [
        // Odd: a key without its state.
        Value::ArrayList(vec![Value::Int32(0)]),
        Value::ArrayList(vec![s("a"), Value::Null, s("b")]),
        // A key that is neither an index nor an ID.
        Value::ArrayList(vec![Value::Bool(true), Value::Null]),
        Value::ArrayList(vec![Value::Int32(0), Value::Null, Value::Null, Value::Null]),
        // Not a list.
        s("children"),
    ] {
        let tree = pair(Value::Null, children.clone());
        assert!(ControlTree::from_value(&tree).is_none(), "{children:?}");
        let tree = triplet(Value::Null, Value::Null, children.clone());
        assert!(ControlTree::from_value(&tree).is_none(), "{children:?}");
    }
    // Neither a pair nor a triplet.
    assert!(ControlTree::from_value(&Value::ArrayList(vec![])).is_none());
    assert!(ControlTree::from_value(&Value::Null).is_none());
}

#[test]
fn a_web_controls_state_bag_and_attributes() {
    let bag = Value::ArrayList(vec![s("CssClass"), s("wide")]);
    let attributes = Value::ArrayList(vec![s("onclick"), s("go()")]);
    // WebControl: Pair(StateBag, attributes).
    let own = pair(bag.clone(), attributes.clone());
    let tree = pair(own, Value::Null);
    let control = ControlTree::from_value(&tree).unwrap();
    assert_eq!(control.state_bag(), Some(vec![("CssClass", &s("wide"))]));
    assert_eq!(control.attributes(), Some(&attributes));
    // No attributes saved.
    let tree = pair(pair(bag.clone(), Value::Null), Value::Null);
    assert_eq!(ControlTree::from_value(&tree).unwrap().attributes(), None);
    // A pair whose first half is not a StateBag is not a WebControl's state.
    let tree = pair(pair(s("x"), attributes.clone()), Value::Null);
    let control = ControlTree::from_value(&tree).unwrap();
    assert_eq!(control.attributes(), None);
    assert_eq!(control.state_bag(), None);
    // A control's own StateBag alone has no attributes.
    let tree = pair(bag, Value::Null);
    assert_eq!(ControlTree::from_value(&tree).unwrap().attributes(), None);
}

#[test]
fn a_state_bag_is_a_nonempty_even_list_of_string_keys() {
    for own in [
        Value::ArrayList(vec![]),
        Value::ArrayList(vec![s("Text"), s("Hi"), s("Visible")]),
        Value::ArrayList(vec![Value::Int32(1), s("Hi")]),
        s("Text"),
    ] {
        let tree = pair(own.clone(), Value::Null);
        assert_eq!(
            ControlTree::from_value(&tree).unwrap().state_bag(),
            None,
            "{own:?}"
        );
        // Nor as the first half of a WebControl's pair.
        let tree = pair(pair(own.clone(), s("attributes")), Value::Null);
        let control = ControlTree::from_value(&tree).unwrap();
        assert_eq!(control.state_bag(), None, "{own:?}");
        assert_eq!(control.attributes(), None, "{own:?}");
    }
}
