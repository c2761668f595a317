//! The text form of an `ObjectStateFormatter` graph (`osf::render::text`) and the helpers of
//! `osf::Value` it is built on, checked on hand-built trees with exact expected text: the page
//! persister's layout (type hash, control tree with state bags, attributes, adapter state and
//! children, control state and the controls requiring post-back data), every value kind at
//! every depth, the truncation of long strings at its exact edge, `BinaryFormatter` payloads
//! (gadget lines, libraries, each class once per stream, nested streams, where a read
//! stopped) on hand-built [MS-NRBF] streams, and `Value::kind`,
//! `as_str`, `children`, `binary_payloads`, `TypeName`, `DateTime` (ticks, kind, RFC 3339),
//! `Unit::suffix` and the JSON (serde) form of every variant.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::formats::nrbf;
use machinekey::formats::osf::{
    self, Color, DateTime, DateTimeKind, EventValidationEntry, TypeName, Unit, Value,
};
use serde_json::json;

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn is(text: &str) -> Value {
    Value::IndexedString(text.into())
}

fn pair(a: Value, b: Value) -> Value {
    Value::Pair(Box::new(a), Box::new(b))
}

fn triplet(a: Value, b: Value, c: Value) -> Value {
    Value::Triplet(Box::new(a), Box::new(b), Box::new(c))
}

/// `Pair(Pair(hash, view state), control state)`, as `HiddenFieldPageStatePersister` saves.
fn page(hash: &str, view_state: Value, control_state: Value) -> Value {
    pair(pair(s(hash), view_state), control_state)
}

const POSTBACK: &str = "__ControlsRequirePostBackKey__";

/// Lines joined with `\n`, each ended by one.
fn lines(ls: &[&str]) -> String {
    let mut out = String::new();
    for l in ls {
        out.push_str(l);
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------
// The page layout.
// ---------------------------------------------------------------------------------------

#[test]
fn a_page_with_no_view_state_and_no_control_state() {
    let root = page("811019769", Value::Null, Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 811019769",
            "  view state: none",
            "  control state: none",
        ])
    );
}

#[test]
fn a_view_state_that_is_not_a_control_tree_is_shown_as_a_value() {
    // Neither null nor Pair/Triplet: printed below "view state:", two levels in.
    let root = page("-5", Value::Int32(5), Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: -5",
            "  view state:",
            "    Int32 5",
            "  control state: none",
        ])
    );
    // A pair whose children are not alternating keys and states is not a control tree.
    let root = page("1", pair(Value::Null, Value::Int32(3)), Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 1",
            "  view state:",
            "    Pair",
            "      null",
            "      Int32 3",
            "  control state: none",
        ])
    );
}

#[test]
fn a_type_hash_that_is_not_a_number_is_quoted_and_flagged() {
    let root = page("abc", Value::Null, Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: \"abc\" (not a number: ASP.NET ignores this state)",
            "  view state: none",
            "  control state: none",
        ])
    );
}

#[test]
fn a_control_tree_indents_each_control_one_level_below_its_parent() {
    // child 0: a WebControl with an adapter: Triplet(Pair(StateBag, attributes), adapter, null).
    let bag = Value::ArrayList(vec![
        is("Text"),
        s("Hi"),
        is("Items"),
        pair(Value::Int32(1), Value::Null),
    ]);
    let attributes = Value::ArrayList(vec![is("class"), s("x")]);
    let child_a = triplet(pair(bag, attributes), Value::Int32(4), Value::Null);
    // child "hdr": own state that is no StateBag, and one child control of its own.
    let grandchild = pair(
        Value::ArrayList(vec![is("Visible"), Value::Bool(false)]),
        Value::Null,
    );
    let child_b = pair(
        Value::Int32(7),
        Value::ArrayList(vec![Value::Int32(0), grandchild]),
    );
    // child 2: a state that is no control tree.
    let view_state = pair(
        Value::Null,
        Value::ArrayList(vec![
            Value::Int32(0),
            child_a,
            s("hdr"),
            child_b,
            Value::Int32(2),
            Value::Int32(9),
        ]),
    );
    let root = page("12345", view_state, Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 12345",
            "  view state: page",
            "    child 0: control",
            "      state bag:",
            "        Text: String \"Hi\"",
            "        Items:",
            "          Pair",
            "            Int32 1",
            "            null",
            "      attributes:",
            "        ArrayList (2), as a state bag:",
            "          class: String \"x\"",
            "      adapter state:",
            "        Int32 4",
            "    child \"hdr\": control",
            "      own state:",
            "        Int32 7",
            "      child 0: control",
            "        state bag:",
            "          Visible: Bool false",
            "    child 2:",
            "      Int32 9",
            "  control state: none",
        ])
    );
}

#[test]
fn a_top_level_control_renders_at_depth_one_when_nested_once() {
    // The page's own state, adapter and children all directly under "view state: page".
    let view_state = triplet(
        Value::ArrayList(vec![is("Title"), s("T")]),
        Value::Bool(true),
        Value::ArrayList(vec![is("ctl"), Value::Null]),
    );
    let root = page("0", view_state, Value::Null);
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 0",
            "  view state: page",
            "    state bag:",
            "      Title: String \"T\"",
            "    adapter state:",
            "      Bool true",
            "    child \"ctl\":",
            "      null",
            "  control state: none",
        ])
    );
}

#[test]
fn control_state_entries_and_postback_controls() {
    for dictionary in [Value::Hashtable, Value::HybridDictionary] {
        let root = page(
            "7",
            Value::Null,
            dictionary(vec![
                (s("ctl00$grid"), pair(Value::Int32(3), Value::Null)),
                (s(POSTBACK), Value::ArrayList(vec![s("chk1"), is("chk2")])),
            ]),
        );
        assert_eq!(
            osf::render::text(&root),
            lines(&[
                "page state (HiddenFieldPageStatePersister)",
                "  page type hash: 7",
                "  view state: none",
                "  control state:",
                "    ctl00$grid:",
                "      Pair",
                "        Int32 3",
                "        null",
                "    controls requiring post-back data: chk1, chk2",
            ])
        );
    }
}

#[test]
fn control_state_entries_outside_both_views_are_shown_raw() {
    // A key that is not a control's ID, a post-back entry of another shape, and items of the
    // post-back list that are not IDs: each shown raw, so a payload there is seen.
    let payload = Value::BinarySerialized(vec![1, 2, 3]);
    let root = page(
        "7",
        Value::Null,
        Value::HybridDictionary(vec![
            (s("ctl"), Value::Int32(1)),
            (Value::Int32(2), payload.clone()),
        ]),
    );
    let text = osf::render::text(&root);
    assert!(
        text.contains(&lines(&[
            "  control state:",
            "    ctl:",
            "      Int32 1",
            "    other entry:",
            "      key:",
            "        Int32 2",
            "      value:",
            "        BinarySerialized (3 bytes, BinaryFormatter; not deserialized)",
        ])),
        "{text}"
    );
    let root = page(
        "7",
        Value::Null,
        Value::HybridDictionary(vec![
            (s("ctl"), Value::Int32(1)),
            (s(POSTBACK), payload.clone()),
        ]),
    );
    let text = osf::render::text(&root);
    assert!(
        text.contains(&lines(&[
            "    other entry:",
            "      key:",
            "        String \"__ControlsRequirePostBackKey__\"",
            "      value:",
            "        BinarySerialized (3 bytes, BinaryFormatter; not deserialized)",
        ])),
        "{text}"
    );
    let root = page(
        "7",
        Value::Null,
        Value::HybridDictionary(vec![(s(POSTBACK), Value::ArrayList(vec![s("a"), payload]))]),
    );
    let text = osf::render::text(&root);
    assert!(
        text.contains("    controls requiring post-back data: a\n    other entry:\n"),
        "{text}"
    );
    assert!(text.contains("          BinarySerialized"), "{text}");
}

#[test]
fn control_state_without_postback_controls_has_no_postback_line() {
    let root = page(
        "7",
        Value::Null,
        Value::HybridDictionary(vec![(s("a"), Value::Int32(1)), (is("b"), Value::Null)]),
    );
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 7",
            "  view state: none",
            "  control state:",
            "    a:",
            "      Int32 1",
            "    b:",
            "      null",
        ])
    );
}

#[test]
fn control_state_with_only_postback_controls_is_not_shown_raw() {
    let root = page(
        "7",
        Value::Null,
        Value::Hashtable(vec![(s(POSTBACK), Value::ArrayList(vec![s("cb")]))]),
    );
    assert_eq!(
        osf::render::text(&root),
        lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 7",
            "  view state: none",
            "  control state:",
            "    controls requiring post-back data: cb",
        ])
    );
}

#[test]
fn control_state_of_another_shape_is_shown_raw() {
    // Neither per-control states nor post-back controls: the value itself, two levels in.
    for control_state in [
        Value::Int32(7),
        Value::Hashtable(vec![(Value::Int32(1), Value::Int32(2))]),
    ] {
        let root = page("7", Value::Null, control_state.clone());
        let mut want = lines(&[
            "page state (HiddenFieldPageStatePersister)",
            "  page type hash: 7",
            "  view state: none",
            "  control state:",
        ]);
        match control_state {
            Value::Int32(_) => want.push_str(&lines(&["    Int32 7"])),
            _ => want.push_str(&lines(&[
                "    Hashtable (1)",
                "      key:",
                "        Int32 1",
                "      value:",
                "        Int32 2",
            ])),
        }
        assert_eq!(osf::render::text(&root), want);
    }
}

// ---------------------------------------------------------------------------------------
// Values.
// ---------------------------------------------------------------------------------------

#[test]
fn scalars_render_on_one_line() {
    let cases: Vec<(Value, &str)> = vec![
        (Value::Null, "null"),
        (Value::Bool(true), "Bool true"),
        (Value::Bool(false), "Bool false"),
        (Value::Int16(-3), "Int16 -3"),
        (Value::Int32(i32::MIN), "Int32 -2147483648"),
        (Value::Byte(255), "Byte 255"),
        (Value::Char('\n'), "Char '\\n'"),
        (Value::Char('é'), "Char 'é'"),
        (s("a\"b"), "String \"a\\\"b\""),
        (s(""), "String \"\""),
        (is("Text"), "IndexedString \"Text\""),
        (
            Value::DateTime(DateTime(621_355_968_000_000_000)),
            "DateTime 1970-01-01T00:00:00Z (Unspecified)",
        ),
        (
            Value::DateTime(DateTime((1 << 62) | 621_355_968_000_000_001)),
            "DateTime 1970-01-01T00:00:00.0000001Z (Utc)",
        ),
        (
            // The largest tick count the kind bits leave: year 14614, beyond RFC 3339.
            Value::DateTime(DateTime(i64::MIN | 0x3FFF_FFFF_FFFF_FFFF)),
            "DateTime ticks 4611686018427387903 (Local)",
        ),
        (Value::Double(1.5), "Double 1.5"),
        (Value::Double(-0.0), "Double -0"),
        (Value::Single(0.1), "Single 0.1"),
        (Value::Color(Color::Argb(-16_777_216)), "Color #FF000000"),
        (Value::Color(Color::Argb(0x0012_ABCD)), "Color #0012ABCD"),
        (Value::Color(Color::Known(35)), "Color KnownColor 35"),
        (Value::Color(Color::Empty), "Color Empty"),
        (
            Value::Enum {
                enum_type: TypeName::Local("System.Web.UI.WebControls.TextBoxMode".into()),
                value: 2,
            },
            "Enum System.Web.UI.WebControls.TextBoxMode = 2",
        ),
        (Value::Type(TypeName::Object), "Type System.Object"),
        (Value::Unit(Unit::Empty), "Unit Empty"),
        (
            Value::Unit(Unit::Value {
                value: 1.5,
                unit_type: 1,
            }),
            "Unit 1.5px",
        ),
        (
            Value::Unit(Unit::Value {
                value: 50.0,
                unit_type: 7,
            }),
            "Unit 50%",
        ),
        (
            Value::Unit(Unit::Value {
                value: 3.0,
                unit_type: 12,
            }),
            "Unit 3 (UnitType 12)",
        ),
        (
            Value::Formatted {
                value_type: TypeName::Qualified("System.Int64, mscorlib".into()),
                text: "42".into(),
            },
            "System.Int64, mscorlib \"42\"",
        ),
        (Value::StringArray(vec![]), "StringArray (0)"),
        (Value::ArrayList(vec![]), "ArrayList (0)"),
    ];
    for (v, want) in cases {
        assert_eq!(osf::render::text(&v), format!("{want}\n"), "{v:?}");
        // One level in, indented by two spaces.
        let list = Value::ArrayList(vec![v.clone()]);
        assert_eq!(
            osf::render::text(&list),
            format!("ArrayList (1)\n  {want}\n"),
            "{v:?}"
        );
    }
}

#[test]
fn strings_are_cut_after_120_characters() {
    let exactly = "x".repeat(120);
    assert_eq!(
        osf::render::text(&s(&exactly)),
        format!("String \"{exactly}\"\n")
    );
    let over = "x".repeat(121);
    assert_eq!(
        osf::render::text(&s(&over)),
        format!("String \"{exactly}\"... (121 chars)\n")
    );
    // Characters, not bytes: 120 two-byte characters are shown whole.
    let wide = "é".repeat(120);
    assert_eq!(
        osf::render::text(&is(&wide)),
        format!("IndexedString \"{wide}\"\n")
    );
    let wider = format!("{wide}z");
    assert_eq!(
        osf::render::text(&is(&wider)),
        format!("IndexedString \"{wide}\"... (121 chars)\n")
    );
    // Short strings are never cut.
    assert_eq!(osf::render::text(&s("a")), "String \"a\"\n");
    // The cut keeps the first 120 characters.
    let mixed = format!("{}{}", "a".repeat(120), "b".repeat(80));
    assert_eq!(
        osf::render::text(&s(&mixed)),
        format!("String \"{}\"... (200 chars)\n", "a".repeat(120))
    );
}

#[test]
fn containers_indent_their_items() {
    let tree = triplet(
        Value::ArrayList(vec![Value::Int32(1), is("k"), Value::Null]),
        Value::Array {
            element_type: TypeName::String,
            items: vec![s("a"), Value::Null],
        },
        Value::SparseArray {
            element_type: TypeName::Local("System.Web.UI.IndexedString".into()),
            length: 5,
            items: vec![(1, s("one")), (4, pair(Value::Int32(4), Value::Null))],
        },
    );
    assert_eq!(
        osf::render::text(&tree),
        lines(&[
            "Triplet",
            "  ArrayList (3)",
            "    Int32 1",
            "    IndexedString \"k\"",
            "    null",
            "  Array of System.String (2)",
            "    String \"a\"",
            "    null",
            "  SparseArray of System.Web.UI.IndexedString (length 5, 2 set)",
            "    [1]:",
            "      String \"one\"",
            "    [4]:",
            "      Pair",
            "        Int32 4",
            "        null",
        ])
    );
}

#[test]
fn string_arrays_state_bags_and_dictionaries() {
    let tree = pair(
        pair(
            Value::StringArray(vec!["a".into(), "b\"c".into()]),
            Value::ArrayList(vec![
                is("Text"),
                s("Hi"),
                s("Items"),
                Value::ArrayList(vec![Value::Int32(1)]),
            ]),
        ),
        pair(
            Value::Hashtable(vec![
                (s("x"), Value::Int32(1)),
                (is("y"), Value::ArrayList(vec![Value::Bool(true)])),
                (Value::Int32(5), Value::Null),
            ]),
            Value::HybridDictionary(vec![]),
        ),
    );
    assert_eq!(
        osf::render::text(&tree),
        lines(&[
            "Pair",
            "  Pair",
            "    StringArray (2)",
            "      \"a\"",
            "      \"b\\\"c\"",
            "    ArrayList (4), as a state bag:",
            "      Text: String \"Hi\"",
            "      Items:",
            "        ArrayList (1)",
            "          Int32 1",
            "  Pair",
            "    Hashtable (3)",
            "      \"x\": Int32 1",
            "      \"y\":",
            "        ArrayList (1)",
            "          Bool true",
            "      key:",
            "        Int32 5",
            "      value:",
            "        null",
            "    HybridDictionary (0)",
        ])
    );
}

#[test]
fn long_keys_and_list_strings_are_cut_too() {
    let long = "k".repeat(121);
    let cut = "k".repeat(120);
    let tree = Value::ArrayList(vec![
        Value::StringArray(vec![long.clone()]),
        Value::Hashtable(vec![(s(&long), Value::Null)]),
    ]);
    assert_eq!(
        osf::render::text(&tree),
        format!(
            "ArrayList (2)\n  StringArray (1)\n    \"{cut}\"... (121 chars)\n  Hashtable (1)\n    \"{cut}\"... (121 chars): null\n"
        )
    );
}

#[test]
fn event_validation_entries_are_hex() {
    let mut second = [0u8; 16];
    second[15] = 0xAB;
    let tree = pair(
        Value::EventValidationStore(vec![
            EventValidationEntry([0x01; 16]),
            EventValidationEntry(second),
        ]),
        Value::EventValidationStore(vec![]),
    );
    assert_eq!(
        osf::render::text(&tree),
        lines(&[
            "Pair",
            "  EventValidationStore (2 entries)",
            "    01010101010101010101010101010101",
            "    000000000000000000000000000000ab",
            "  EventValidationStore (0 entries)",
        ])
    );
}

// ---------------------------------------------------------------------------------------
// Value helpers.
// ---------------------------------------------------------------------------------------

/// One value of every variant, with its kind.
fn every_kind() -> Vec<(Value, &'static str)> {
    vec![
        (Value::Null, "Null"),
        (Value::Bool(true), "Bool"),
        (Value::Int16(1), "Int16"),
        (Value::Int32(1), "Int32"),
        (Value::Byte(1), "Byte"),
        (Value::Char('c'), "Char"),
        (s("s"), "String"),
        (is("i"), "IndexedString"),
        (Value::DateTime(DateTime(0)), "DateTime"),
        (Value::Double(1.0), "Double"),
        (Value::Single(1.0), "Single"),
        (Value::Color(Color::Empty), "Color"),
        (
            Value::Enum {
                enum_type: TypeName::Int32,
                value: 1,
            },
            "Enum",
        ),
        (pair(Value::Null, Value::Null), "Pair"),
        (triplet(Value::Null, Value::Null, Value::Null), "Triplet"),
        (
            Value::Array {
                element_type: TypeName::Object,
                items: vec![],
            },
            "Array",
        ),
        (
            Value::SparseArray {
                element_type: TypeName::Object,
                length: 0,
                items: vec![],
            },
            "SparseArray",
        ),
        (Value::StringArray(vec![]), "StringArray"),
        (Value::ArrayList(vec![]), "ArrayList"),
        (Value::Hashtable(vec![]), "Hashtable"),
        (Value::HybridDictionary(vec![]), "HybridDictionary"),
        (Value::Type(TypeName::Boolean), "Type"),
        (Value::Unit(Unit::Empty), "Unit"),
        (Value::EventValidationStore(vec![]), "EventValidationStore"),
        (
            Value::Formatted {
                value_type: TypeName::String,
                text: String::new(),
            },
            "Formatted",
        ),
        (Value::BinarySerialized(vec![]), "BinarySerialized"),
    ]
}

#[test]
fn kind_names_every_variant() {
    for (v, want) in every_kind() {
        assert_eq!(v.kind(), want, "{v:?}");
    }
}

#[test]
fn as_str_is_the_text_of_strings_only() {
    assert_eq!(s("abc").as_str(), Some("abc"));
    assert_eq!(is("Text").as_str(), Some("Text"));
    assert_eq!(s("").as_str(), Some(""));
    for (v, kind) in every_kind() {
        if kind != "String" && kind != "IndexedString" {
            assert_eq!(v.as_str(), None, "{v:?}");
        }
    }
    assert_eq!(Value::Char('a').as_str(), None);
    assert_eq!(Value::StringArray(vec!["a".into()]).as_str(), None);
}

#[test]
fn children_are_in_stream_order() {
    let (a, b, c, d) = (
        Value::Int32(1),
        Value::Int32(2),
        Value::Int32(3),
        Value::Int32(4),
    );
    let kids = |v: &Value| v.children().cloned().collect::<Vec<_>>();
    assert_eq!(
        kids(&pair(a.clone(), b.clone())),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        kids(&triplet(a.clone(), b.clone(), c.clone())),
        vec![a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        kids(&Value::Array {
            element_type: TypeName::Int32,
            items: vec![a.clone(), b.clone()],
        }),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        kids(&Value::ArrayList(vec![c.clone(), a.clone()])),
        vec![c.clone(), a.clone()]
    );
    assert_eq!(
        kids(&Value::SparseArray {
            element_type: TypeName::Int32,
            length: 9,
            items: vec![(7, c.clone()), (2, a.clone())],
        }),
        vec![c.clone(), a.clone()]
    );
    for dictionary in [Value::Hashtable, Value::HybridDictionary] {
        assert_eq!(
            kids(&dictionary(vec![
                (a.clone(), b.clone()),
                (c.clone(), d.clone())
            ])),
            vec![a.clone(), b.clone(), c.clone(), d.clone()]
        );
    }
    // Scalars, string arrays and payloads have no child values.
    for v in [
        Value::Null,
        s("x"),
        Value::StringArray(vec!["a".into()]),
        Value::EventValidationStore(vec![EventValidationEntry([0; 16])]),
        Value::BinarySerialized(vec![1, 2]),
        Value::Unit(Unit::Empty),
    ] {
        assert_eq!(v.children().count(), 0, "{v:?}");
    }
}

#[test]
fn binary_payloads_are_found_depth_first() {
    let bs = |b: u8| Value::BinarySerialized(vec![b]);
    let tree = Value::ArrayList(vec![
        pair(bs(1), triplet(Value::Null, bs(2), bs(3))),
        Value::Hashtable(vec![(bs(4), bs(5))]),
        Value::SparseArray {
            element_type: TypeName::Object,
            length: 3,
            items: vec![(2, bs(6))],
        },
        bs(7),
    ]);
    assert_eq!(
        tree.binary_payloads(),
        vec![&[1u8][..], &[2], &[3], &[4], &[5], &[6], &[7]]
    );
    // The root itself, and none at all.
    assert_eq!(bs(9).binary_payloads(), vec![&[9u8][..]]);
    assert!(pair(Value::Null, s("x")).binary_payloads().is_empty());
}

#[test]
fn type_names_are_the_names_net_writes() {
    let cases = [
        (TypeName::Object, "System.Object"),
        (TypeName::Int32, "System.Int32"),
        (TypeName::String, "System.String"),
        (TypeName::Boolean, "System.Boolean"),
        (
            TypeName::Local("System.Web.UI.WebControls.ListItem".into()),
            "System.Web.UI.WebControls.ListItem",
        ),
        (
            TypeName::Qualified("System.Int64, mscorlib, Version=4.0.0.0".into()),
            "System.Int64, mscorlib, Version=4.0.0.0",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(t.name(), want);
        assert_eq!(t.to_string(), want);
    }
}

#[test]
fn datetime_kind_is_the_top_two_bits_and_ticks_the_rest() {
    let ticks: i64 = 637_134_336_000_000_000; // 2020-01-01T00:00:00Z
    let unsigned = u64::try_from(ticks).unwrap();
    let cases = [
        (0_u64, DateTimeKind::Unspecified),
        (1, DateTimeKind::Utc),
        (2, DateTimeKind::Local),
        (3, DateTimeKind::Local),
    ];
    for (bits, kind) in cases {
        let raw = i64::from_ne_bytes(((bits << 62) | unsigned).to_ne_bytes());
        let d = DateTime(raw);
        assert_eq!(d.ticks(), ticks, "{bits}");
        assert_eq!(d.kind(), kind, "{bits}");
        assert_eq!(d.to_rfc3339().as_deref(), Some("2020-01-01T00:00:00Z"));
    }
    assert_eq!(DateTime(-1).ticks(), 0x3FFF_FFFF_FFFF_FFFF);
    assert_eq!(DateTime(-1).kind(), DateTimeKind::Local);
    assert_eq!(DateTime(0).ticks(), 0);
    assert_eq!(DateTime(0).kind(), DateTimeKind::Unspecified);
    assert_eq!(DateTime(1 << 62).ticks(), 0);
    assert_eq!(DateTime(1 << 62).kind(), DateTimeKind::Utc);
    assert_eq!(DateTime(i64::MIN).ticks(), 0);
    assert_eq!(DateTime(i64::MIN).kind(), DateTimeKind::Local);
    assert_eq!(
        DateTime(0x3FFF_FFFF_FFFF_FFFF).ticks(),
        0x3FFF_FFFF_FFFF_FFFF
    );
    assert_eq!(DateTimeKind::Unspecified.as_str(), "Unspecified");
    assert_eq!(DateTimeKind::Utc.to_string(), "Utc");
    assert_eq!(DateTimeKind::Local.to_string(), "Local");
}

#[test]
fn datetime_as_rfc3339() {
    let cases: [(i64, Option<&str>); 7] = [
        (0, Some("0001-01-01T00:00:00Z")),
        (621_355_968_000_000_000, Some("1970-01-01T00:00:00Z")),
        (
            621_355_967_999_999_999,
            Some("1969-12-31T23:59:59.9999999Z"),
        ),
        (
            621_355_968_000_000_001,
            Some("1970-01-01T00:00:00.0000001Z"),
        ),
        (621_355_968_012_345_670, Some("1970-01-01T00:00:01.234567Z")),
        // DateTime.MaxValue.Ticks.
        (
            3_155_378_975_999_999_999,
            Some("9999-12-31T23:59:59.9999999Z"),
        ),
        // One tick later: year 10000, which RFC 3339 cannot write.
        (3_155_378_976_000_000_000, None),
    ];
    for (ticks, want) in cases {
        assert_eq!(DateTime(ticks).to_rfc3339().as_deref(), want, "{ticks}");
    }
}

#[test]
fn unit_suffixes_are_those_of_unit_type() {
    let want = [
        (1, "px"),
        (2, "pt"),
        (3, "pc"),
        (4, "in"),
        (5, "mm"),
        (6, "cm"),
        (7, "%"),
        (8, "em"),
        (9, "ex"),
    ];
    for (t, suffix) in want {
        assert_eq!(Unit::suffix(t), Some(suffix), "{t}");
    }
    for t in [0, 10, -1, i32::MAX, i32::MIN] {
        assert_eq!(Unit::suffix(t), None, "{t}");
    }
}

#[test]
fn json_is_type_and_value() {
    let j = |v: &Value| serde_json::to_value(v).unwrap();
    assert_eq!(j(&Value::Null), json!({"type": "Null"}));
    assert_eq!(
        j(&Value::Bool(true)),
        json!({"type": "Bool", "value": true})
    );
    assert_eq!(j(&Value::Int16(-2)), json!({"type": "Int16", "value": -2}));
    assert_eq!(j(&Value::Int32(7)), json!({"type": "Int32", "value": 7}));
    assert_eq!(j(&Value::Byte(9)), json!({"type": "Byte", "value": 9}));
    assert_eq!(j(&Value::Char('x')), json!({"type": "Char", "value": "x"}));
    assert_eq!(j(&s("a")), json!({"type": "String", "value": "a"}));
    assert_eq!(j(&is("b")), json!({"type": "IndexedString", "value": "b"}));
    assert_eq!(
        j(&Value::DateTime(DateTime(5))),
        json!({"type": "DateTime", "value": 5})
    );
    assert_eq!(
        j(&Value::Double(1.5)),
        json!({"type": "Double", "value": 1.5})
    );
    assert_eq!(
        j(&Value::Single(0.5)),
        json!({"type": "Single", "value": 0.5})
    );
    assert_eq!(
        j(&Value::Color(Color::Argb(-1))),
        json!({"type": "Color", "value": {"Argb": -1}})
    );
    assert_eq!(
        j(&Value::Color(Color::Known(3))),
        json!({"type": "Color", "value": {"Known": 3}})
    );
    assert_eq!(
        j(&Value::Color(Color::Empty)),
        json!({"type": "Color", "value": "Empty"})
    );
    assert_eq!(
        j(&Value::Enum {
            enum_type: TypeName::Local("E".into()),
            value: 2
        }),
        json!({"type": "Enum", "value": {"enum_type": {"Local": "E"}, "value": 2}})
    );
    assert_eq!(
        j(&pair(Value::Null, Value::Int32(1))),
        json!({"type": "Pair", "value": [{"type": "Null"}, {"type": "Int32", "value": 1}]})
    );
    assert_eq!(
        j(&triplet(Value::Null, Value::Null, Value::Null)),
        json!({"type": "Triplet", "value": [{"type": "Null"}, {"type": "Null"}, {"type": "Null"}]})
    );
    assert_eq!(
        j(&Value::Array {
            element_type: TypeName::Object,
            items: vec![Value::Null]
        }),
        json!({"type": "Array", "value": {"element_type": "Object", "items": [{"type": "Null"}]}})
    );
    assert_eq!(
        j(&Value::SparseArray {
            element_type: TypeName::Qualified("Q".into()),
            length: 4,
            items: vec![(3, Value::Null)]
        }),
        json!({"type": "SparseArray", "value": {
            "element_type": {"Qualified": "Q"}, "length": 4, "items": [[3, {"type": "Null"}]]
        }})
    );
    assert_eq!(
        j(&Value::StringArray(vec!["a".into()])),
        json!({"type": "StringArray", "value": ["a"]})
    );
    assert_eq!(
        j(&Value::ArrayList(vec![])),
        json!({"type": "ArrayList", "value": []})
    );
    assert_eq!(
        j(&Value::Hashtable(vec![(s("k"), Value::Null)])),
        json!({"type": "Hashtable", "value": [[{"type": "String", "value": "k"}, {"type": "Null"}]]})
    );
    assert_eq!(
        j(&Value::HybridDictionary(vec![])),
        json!({"type": "HybridDictionary", "value": []})
    );
    assert_eq!(
        j(&Value::Type(TypeName::Boolean)),
        json!({"type": "Type", "value": "Boolean"})
    );
    assert_eq!(
        j(&Value::Unit(Unit::Value {
            value: 2.5,
            unit_type: 1
        })),
        json!({"type": "Unit", "value": {"Value": {"value": 2.5, "unit_type": 1}}})
    );
    assert_eq!(
        j(&Value::Unit(Unit::Empty)),
        json!({"type": "Unit", "value": "Empty"})
    );
    let mut entry = [0u8; 16];
    entry[0] = 0xDE;
    entry[15] = 0x0F;
    assert_eq!(
        j(&Value::EventValidationStore(vec![EventValidationEntry(
            entry
        )])),
        json!({"type": "EventValidationStore", "value": ["de00000000000000000000000000000f"]})
    );
    assert_eq!(
        serde_json::to_string(&EventValidationEntry([0xFF; 16])).unwrap(),
        "\"ffffffffffffffffffffffffffffffff\""
    );
    assert_eq!(
        j(&Value::Formatted {
            value_type: TypeName::String,
            text: "t".into()
        }),
        json!({"type": "Formatted", "value": {"value_type": "String", "text": "t"}})
    );
    assert_eq!(
        j(&Value::BinarySerialized(vec![0, 1, 0xFF])),
        json!({"type": "BinarySerialized", "value": "AAH/"})
    );
    assert_eq!(
        j(&Value::BinarySerialized(vec![])),
        json!({"type": "BinarySerialized", "value": ""})
    );
}

// ---------------------------------------------------------------------------------------
// BinaryFormatter payloads ([MS-NRBF] records, little-endian).
// ---------------------------------------------------------------------------------------

/// `LengthPrefixedString` (names here are shorter than 128 bytes).
fn lps(out: &mut Vec<u8>, text: &str) {
    out.push(u8::try_from(text.len()).unwrap());
    out.extend(text.as_bytes());
}

/// `SerializedStreamHeader`, the records `body` writes, and `MessageEnd` when `end`.
fn nrbf_stream(end: bool, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = nrbf::STREAM_HEADER.to_vec();
    body(&mut out);
    if end {
        out.push(11);
    }
    out
}

/// `BinaryLibrary` (12).
fn library(out: &mut Vec<u8>, id: i32, name: &str) {
    out.push(12);
    out.extend(id.to_le_bytes());
    lps(out, name);
}

/// `BinaryObjectString` (6).
fn string(out: &mut Vec<u8>, id: i32, text: &str) {
    out.push(6);
    out.extend(id.to_le_bytes());
    lps(out, text);
}

/// `SystemClassWithMembers` (2) with member names (and no member values: each member is
/// written as `ObjectNull` (10)).
fn system_class(out: &mut Vec<u8>, id: i32, name: &str, members: &[&str]) {
    out.push(2);
    out.extend(id.to_le_bytes());
    lps(out, name);
    out.extend(i32::try_from(members.len()).unwrap().to_le_bytes());
    for m in members {
        lps(out, m);
    }
    for _ in members {
        out.push(10);
    }
}

/// `ClassWithMembers` (3) without members, of library `lib`.
fn class(out: &mut Vec<u8>, id: i32, name: &str, lib: i32) {
    out.push(3);
    out.extend(id.to_le_bytes());
    lps(out, name);
    out.extend(0_i32.to_le_bytes());
    out.extend(lib.to_le_bytes());
}

/// `ClassWithId` (1): another object of the class defined by record `metadata`.
fn class_with_id(out: &mut Vec<u8>, id: i32, metadata: i32) {
    out.push(1);
    out.extend(id.to_le_bytes());
    out.extend(metadata.to_le_bytes());
}

/// `ArraySinglePrimitive` (15) of bytes.
fn byte_array(out: &mut Vec<u8>, id: i32, bytes: &[u8]) {
    out.push(15);
    out.extend(id.to_le_bytes());
    out.extend(i32::try_from(bytes.len()).unwrap().to_le_bytes());
    out.push(2);
    out.extend(bytes);
}

#[test]
fn binary_payloads_list_gadgets_names_and_nested_streams() {
    let innermost = nrbf_stream(true, |out| string(out, 1, "deepest"));
    let inner = nrbf_stream(true, |out| {
        library(out, 1, "LibB");
        system_class(out, 2, "System.Data.DataSet", &[]);
        // The same class name as the outer stream's: listed again, once per stream.
        class(out, 3, "MyClass", 1);
        string(out, 4, "in");
        byte_array(out, 5, &innermost);
    });
    let outer = nrbf_stream(true, |out| {
        library(out, 2, "LibA, Version=1.0.0.0");
        class(out, 3, "MyClass", 2);
        // A second object of MyClass: the class is listed once.
        class_with_id(out, 4, 3);
        system_class(out, 5, "System.Diagnostics.Process", &["a", "b"]);
        string(out, 6, "hello");
        string(out, 7, &"s".repeat(121));
        byte_array(out, 8, &inner);
    });
    let (stream, error) = nrbf::read_partial(&outer);
    assert_eq!((stream.length, error), (outer.len(), None));
    let cut = "s".repeat(120);
    let want = format!(
        "Pair
  null
  BinarySerialized ({outer_len} bytes, BinaryFormatter; not deserialized)
    !! gadget: ProcessStart: System.Diagnostics.Process
    !! gadget: DataSet (in a nested stream, level 1): System.Data.DataSet
    library \"LibA, Version=1.0.0.0\"
    class \"MyClass\" []
    class \"System.Diagnostics.Process\" [a, b]
    string \"hello\"
    string \"{cut}\"... (121 chars)
    nested BinaryFormatter stream ({inner_len} bytes)
      library \"LibB\"
      class \"System.Data.DataSet\" []
      class \"MyClass\" []
      string \"in\"
      nested BinaryFormatter stream ({innermost_len} bytes)
        string \"deepest\"
",
        outer_len = outer.len(),
        inner_len = inner.len(),
        innermost_len = innermost.len(),
    );
    assert_eq!(
        osf::render::text(&pair(Value::Null, Value::BinarySerialized(outer))),
        want
    );
}

#[test]
fn a_payload_that_does_not_read_says_where_it_stopped() {
    // No MessageEnd: what was read, then the error, one level in.
    let truncated = nrbf_stream(false, |out| string(out, 1, "cut"));
    assert_eq!(
        osf::render::text(&Value::BinarySerialized(truncated)),
        lines(&[
            "BinarySerialized (26 bytes, BinaryFormatter; not deserialized)",
            "  string \"cut\"",
            "  read stopped: BinaryFormatter data, at byte 26: the data ends inside a record",
        ])
    );
    assert_eq!(
        osf::render::text(&Value::ArrayList(vec![Value::BinarySerialized(vec![
            1, 2, 3
        ])])),
        lines(&[
            "ArrayList (1)",
            "  BinarySerialized (3 bytes, BinaryFormatter; not deserialized)",
            "    read stopped: BinaryFormatter data, at byte 0: no SerializedStreamHeader (00 ... FF FF FF FF 01 00 00 00 00 00 00 00)",
        ])
    );
}

#[test]
fn empty_lists_are_scalars_on_the_line_of_their_key() {
    let bag = Value::ArrayList(vec![
        is("Lines"),
        Value::StringArray(vec![]),
        is("Items"),
        Value::ArrayList(vec![]),
        is("Names"),
        Value::StringArray(vec!["n".into()]),
    ]);
    let dictionary = Value::Hashtable(vec![
        (s("a"), Value::ArrayList(vec![])),
        (s("b"), Value::StringArray(vec![])),
    ]);
    assert_eq!(
        osf::render::text(&pair(bag, dictionary)),
        lines(&[
            "Pair",
            "  ArrayList (6), as a state bag:",
            "    Lines: StringArray (0)",
            "    Items: ArrayList (0)",
            "    Names:",
            "      StringArray (1)",
            "        \"n\"",
            "  Hashtable (2)",
            "    \"a\": ArrayList (0)",
            "    \"b\": StringArray (0)",
        ])
    );
}

#[test]
fn dictionary_keys_that_are_not_strings_are_shown_apart() {
    let dictionary = Value::HybridDictionary(vec![
        (Value::Int32(5), pair(Value::Null, Value::Bool(true))),
        (is("s"), Value::Byte(1)),
    ]);
    assert_eq!(
        osf::render::text(&dictionary),
        lines(&[
            "HybridDictionary (2)",
            "  key:",
            "    Int32 5",
            "  value:",
            "    Pair",
            "      null",
            "      Bool true",
            "  \"s\": Byte 1",
        ])
    );
    assert_eq!(
        osf::render::text(&Value::ArrayList(vec![dictionary])),
        lines(&[
            "ArrayList (1)",
            "  HybridDictionary (2)",
            "    key:",
            "      Int32 5",
            "    value:",
            "      Pair",
            "        null",
            "        Bool true",
            "    \"s\": Byte 1",
        ])
    );
}
