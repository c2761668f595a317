//! SDDL strings read exactly (issue 33's mutation round over `iis/sddl/parse.rs`): real
//! registry descriptors and their printed form, components in any order and each given twice,
//! ACL flags, every ACE field and its bound, and each error's byte offset.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::iis::sddl::{
    AccessToken, AceType, MAX_ACES, MAX_SDDL_LEN, SecurityDescriptor, Trustee, ace_flags, rights,
};
use machinekey::iis::sid::Sid;

fn ok(s: &str) -> SecurityDescriptor {
    SecurityDescriptor::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn err(s: &str) -> (usize, String) {
    match SecurityDescriptor::parse(s) {
        Ok(sd) => panic!("{s:?} was read as {sd:?}"),
        Err(e) => (e.offset, e.message),
    }
}

fn at(s: &str) -> usize {
    err(s).0
}

fn sid(s: &str) -> Sid {
    s.parse().unwrap()
}

fn t(s: &str) -> Trustee {
    Trustee::Sid(sid(s))
}

/// The one ACE of a DACL-only descriptor.
fn ace(s: &str) -> machinekey::iis::sddl::Ace {
    let sd = ok(&format!("D:{s}"));
    let aces = sd.dacl.unwrap().aces;
    assert_eq!(aces.len(), 1, "{s}");
    aces.into_iter().next().unwrap()
}

fn mask(rights_text: &str) -> u32 {
    ace(&format!("(A;;{rights_text};;;SY)")).mask
}

fn flags(flag_text: &str) -> u8 {
    ace(&format!("(A;{flag_text};KA;;;SY)")).flags
}

#[test]
fn a_real_registry_descriptor_is_read_and_printed_back() {
    let text = "O:BAG:SYD:PAI(A;OICI;KA;;;SY)(A;OICI;KA;;;BA)(A;CIIO;GA;;;CO)(A;;KR;;;BU)";
    let sd = ok(text);
    assert_eq!(sd.owner, Some(t("S-1-5-32-544")));
    assert_eq!(sd.group, Some(t("S-1-5-18")));
    assert!(sd.sacl.is_none());
    let dacl = sd.dacl.as_ref().unwrap();
    assert!(dacl.protected && dacl.auto_inherited);
    assert!(!dacl.auto_inherit_required && !dacl.null);
    assert_eq!(dacl.aces.len(), 4);
    let a = &dacl.aces;
    assert_eq!(a[0].ace_type, AceType::Allow);
    assert_eq!(
        a[0].flags,
        ace_flags::OBJECT_INHERIT | ace_flags::CONTAINER_INHERIT
    );
    assert_eq!(a[0].mask, rights::KEY_ALL_ACCESS);
    assert_eq!(a[0].trustee, t("S-1-5-18"));
    assert_eq!(a[1].trustee, t("S-1-5-32-544"));
    assert_eq!(
        a[2].flags,
        ace_flags::CONTAINER_INHERIT | ace_flags::INHERIT_ONLY
    );
    assert_eq!(a[2].mask, rights::GENERIC_ALL);
    assert_eq!(a[2].trustee, t("S-1-3-0"));
    assert_eq!(a[3].flags, 0);
    assert_eq!(a[3].mask, rights::KEY_READ);
    assert_eq!(a[3].trustee, t("S-1-5-32-545"));
    assert!(a.iter().all(|x| x.object_type.is_none()
        && x.inherited_object_type.is_none()
        && x.extra.is_none()));
    assert_eq!(sd.to_string(), text);
    assert_eq!(ok(&sd.to_string()), sd);

    // An AutoGenKeys-style key: a pool's SID by number, spaces between the parts.
    let text = "O:SY G:SY D:P(A;OICI;KA;;;SY) (A;OICI;KA;;;BA)  (A;OICI;KR;;;S-1-5-82-1-2-3-4-5)";
    let sd = ok(text);
    assert_eq!(
        sd.dacl.as_ref().unwrap().aces[2].trustee,
        t("S-1-5-82-1-2-3-4-5")
    );
    assert_eq!(
        sd.to_string(),
        "O:SYG:SYD:P(A;OICI;KA;;;SY)(A;OICI;KA;;;BA)(A;OICI;KR;;;S-1-5-82-1-2-3-4-5)"
    );
    assert_eq!(ok(&sd.to_string()), sd);

    // An empty string is an empty descriptor; so is white space.
    assert_eq!(ok(""), SecurityDescriptor::default());
    assert_eq!(ok("  \t "), SecurityDescriptor::default());
}

#[test]
fn parts_come_in_any_order_and_any_case_but_once() {
    let sd = ok(" S:AI(AU;SAFA;KA;;;WD) D:(A;;KA;;;SY) G:BA O:SY ");
    assert_eq!(sd.owner, Some(t("S-1-5-18")));
    assert_eq!(sd.group, Some(t("S-1-5-32-544")));
    assert_eq!(sd.dacl.as_ref().unwrap().aces.len(), 1);
    let sacl = sd.sacl.as_ref().unwrap();
    assert!(sacl.auto_inherited && !sacl.protected);
    assert_eq!(sacl.aces[0].ace_type, AceType::Audit);
    assert_eq!(
        sacl.aces[0].flags,
        ace_flags::SUCCESSFUL_ACCESS | ace_flags::FAILED_ACCESS
    );
    assert_eq!(sacl.aces[0].trustee, t("S-1-1-0"));
    assert_eq!(
        sd.to_string(),
        "O:SYG:BAD:(A;;KA;;;SY)S:AI(AU;SAFA;KA;;;WD)"
    );

    let lower = ok("o:bag:syd:pai(a;oici;ka;;;sy)s:(au;fa;kr;;;wd)");
    assert_eq!(lower, ok("O:BAG:SYD:PAI(A;OICI;KA;;;SY)S:(AU;FA;KR;;;WD)"));
    // The owner and group may stand apart from their tags.
    assert_eq!(ok("O: BAG:  SY").group, Some(t("S-1-5-18")));
    assert_eq!(ok("O: BAG:  SY").owner, Some(t("S-1-5-32-544")));

    assert_eq!(err("O:BAO:SY"), (4, "O: is given twice".to_owned()));
    assert_eq!(err("G:BAg:SY"), (4, "G: is given twice".to_owned()));
    assert_eq!(err("D:D:"), (2, "D: is given twice".to_owned()));
    assert_eq!(err("S: s:"), (3, "S: is given twice".to_owned()));
    // A part only in the SACL or only in the DACL goes where its tag says.
    assert!(ok("S:").dacl.is_none() && ok("S:").sacl.is_some());
    assert!(ok("D:").sacl.is_none() && ok("D:").dacl.is_some());
    assert!(ok("O:BA").group.is_none() && ok("G:BA").owner.is_none());

    let (o, m) = err("X:BA");
    assert_eq!(o, 0);
    assert_eq!(m, "expected O:, G:, D: or S:, found \"X:BA\"");
    assert_eq!(at("O:BA  Q"), 6);
    assert_eq!(at("O:BA O"), 5);
    let (o, m) = err(&format!("O:BA {}", "z".repeat(40)));
    assert_eq!(o, 5);
    assert_eq!(
        m,
        format!("expected O:, G:, D: or S:, found {:?}", "z".repeat(24))
    );
}

#[test]
fn trustees_by_alias_and_by_number() {
    let sd = ok("O:S-1-5-21-1-2-3-500G:S-1-5-18D:(A;;KA;;;S-1-5-32-544)");
    assert_eq!(sd.owner, Some(t("S-1-5-21-1-2-3-500")));
    assert_eq!(sd.group, Some(t("S-1-5-18")));
    assert_eq!(sd.dacl.unwrap().aces[0].trustee, t("S-1-5-32-544"));
    // A SID ends where a tag begins (its letters are not part of it), or at a space.
    let sd = ok("O:S-1-5-18D:(A;;KA;;;SY)");
    assert_eq!(sd.owner, Some(t("S-1-5-18")));
    assert!(sd.dacl.is_some());
    let sd = ok("O:s-1-5-18S:");
    assert_eq!(sd.owner, Some(t("S-1-5-18")));
    assert!(sd.sacl.is_some());
    let sd = ok("G:S-1-5-18 O:BA");
    assert_eq!(sd.group, Some(t("S-1-5-18")));
    assert_eq!(sd.owner, Some(t("S-1-5-32-544")));
    // Letters that are not a tag stay in the SID, and make it wrong at their own byte.
    let (o, m) = err("O:S-1-5-18x");
    assert_eq!(o, 8, "{m}");
    let (o, _) = err("O:S-1-5-18G");
    assert_eq!(o, 8);
    let (o, _) = err("O:S-1-5-18D-");
    assert_eq!(o, 8);
    // A SID's error is placed in the whole string.
    let (o, _) = err("D:(A;;KA;;;S-1-5-x)");
    assert_eq!(o, 17);
    let (o, _) = err("O:S-");
    assert!(o >= 2, "{o}");
    assert_eq!(err("O:S-").0, err("O:S-").0);
    assert_eq!(err("G:S-1-x").0, 6);
    assert_eq!(err("O: S-1-x").0, 7);

    // Domain- and machine-relative aliases keep their name.
    assert_eq!(
        ok("O:daG:LA").owner,
        Some(Trustee::DomainRelative {
            alias: "DA".to_owned(),
            rid: 512
        })
    );
    assert_eq!(
        ok("O:daG:LA").group,
        Some(Trustee::MachineRelative {
            alias: "LA".to_owned(),
            rid: 500
        })
    );
    assert_eq!(ok("O:daG:la").to_string(), "O:DAG:LA");

    let msg =
        |found: &str| format!("expected a SID (S-1-...) or a two-letter alias, found {found:?}");
    assert_eq!(err("O:XX"), (2, msg("XX")));
    assert_eq!(err("O:B"), (2, msg("B")));
    assert_eq!(err("O:"), (2, msg("")));
    assert_eq!(err("O:1A"), (2, msg("1A")));
    assert_eq!(err("O:B1"), (2, msg("B1")));
    assert_eq!(err("O:S"), (2, msg("S")));
    assert_eq!(err("D:(A;;KA;;;QQ)").0, 11);
    assert_eq!(err("D:(A;;KA;;; QQ)").0, 12);
    // A two-letter alias is two letters: more after it is an error at that byte.
    assert_eq!(
        err("D:(A;;KA;;;SYX)"),
        (13, "unexpected text after the SID in \"SYX\"".to_owned())
    );
    assert_eq!(err("D:(A;;KA;;;S-1-5-18 x)").0, 19);
    assert_eq!(err("D:(A;;KA;;;S-1-5-18S:)").0, 19);
    // Space around the SID is allowed.
    assert_eq!(ace("(A;;KA;;;  SY  )").trustee, t("S-1-5-18"));
    assert_eq!(ace("(A;;KA;;; S-1-5-18 )").trustee, t("S-1-5-18"));
    // The ACE's SID field is read in the whole text, from its own offset.
    let sd = ok("O:BAD:(A;;KA;;;S-1-5-32-545)(A;;KR;;;BU)");
    let aces = sd.dacl.unwrap().aces;
    assert_eq!(aces[0].trustee, t("S-1-5-32-545"));
    assert_eq!(aces[1].trustee, t("S-1-5-32-545"));
}

#[test]
fn acl_flags() {
    let d = ok("D:PARAI").dacl.unwrap();
    assert!(d.protected && d.auto_inherit_required && d.auto_inherited && !d.null);
    let d = ok("D:ai").dacl.unwrap();
    assert!(!d.protected && !d.auto_inherit_required && d.auto_inherited);
    let d = ok("D:ar").dacl.unwrap();
    assert!(!d.protected && d.auto_inherit_required && !d.auto_inherited);
    let d = ok("D:p").dacl.unwrap();
    assert!(d.protected && !d.auto_inherit_required && !d.auto_inherited);
    let d = ok("D:NO_ACCESS_CONTROL").dacl.unwrap();
    assert!(d.null && !d.protected && d.aces.is_empty());
    let d = ok("D:no_access_controlP (A;;KA;;;SY)").dacl.unwrap();
    assert!(d.null && d.protected && d.aces.len() == 1);
    assert_eq!(
        ok("D:AI P AR(A;;KA;;;SY)").to_string(),
        "D:PARAI(A;;KA;;;SY)"
    );
    assert_eq!(ok("D:NO_ACCESS_CONTROL").to_string(), "D:NO_ACCESS_CONTROL");
    // `P` before a tag is the flag, and the tag after it still starts the next part.
    let sd = ok("D:PS:P");
    assert!(sd.dacl.unwrap().protected && sd.sacl.unwrap().protected);
    let sd = ok("D:PO:BA");
    assert!(sd.dacl.unwrap().protected);
    assert_eq!(sd.owner, Some(t("S-1-5-32-544")));
    // No flags, then a part: the DACL is empty.
    let sd = ok("D:O:SY");
    assert_eq!(sd.dacl.unwrap(), Default::default());
    assert_eq!(sd.owner, Some(t("S-1-5-18")));

    let (o, m) = err("D:PX");
    assert_eq!(o, 3);
    assert_eq!(
        m,
        "unknown ACL flag at \"X\" (expected P, AR, AI or NO_ACCESS_CONTROL)"
    );
    assert_eq!(at("D:NO_ACCESS"), 2);
    assert_eq!(at("D:A(A;;KA;;;SY)"), 2);
    assert_eq!(at("D:  Q"), 4);
    // After the ACEs, anything but another part is an error at its byte.
    assert_eq!(at("D:(A;;KA;;;SY)x"), 14);
    assert_eq!(at("D:(A;;KA;;;SY) P"), 15);
}

#[test]
fn the_number_of_aces_and_the_length_are_bounded() {
    let one = "(A;;KA;;;SY)";
    let sd = ok(&format!("D:{}", one.repeat(MAX_ACES)));
    assert_eq!(sd.dacl.unwrap().aces.len(), MAX_ACES);
    let (o, m) = err(&format!("D:{}", one.repeat(MAX_ACES + 1)));
    assert_eq!(o, 2 + one.len() * MAX_ACES);
    assert_eq!(m, format!("more than {MAX_ACES} ACEs"));

    let text = format!("O:BA{}", " ".repeat(MAX_SDDL_LEN - 4));
    assert_eq!(text.len(), MAX_SDDL_LEN);
    assert_eq!(ok(&text).owner, Some(t("S-1-5-32-544")));
    let text = format!("O:BA{}", " ".repeat(MAX_SDDL_LEN - 3));
    assert_eq!(
        err(&text),
        (MAX_SDDL_LEN, format!("longer than {MAX_SDDL_LEN} bytes"))
    );
}

#[test]
fn ace_fields() {
    // Unclosed, too few, too many.
    assert_eq!(
        err("O:BAD:(A;;KA;;;SY"),
        (6, "the ACE has no closing ')'".to_owned())
    );
    assert_eq!(at("D:(A;;KA;;;SY)(A;;KA"), 14);
    assert_eq!(at("D:(XA;;KA;;;SY;(a == \"x)\""), 2);
    assert_eq!(
        err("D:(A;;KA;;)"),
        (
            2,
            "an ACE has six fields (type;flags;rights;object;inherited object;SID), this one has 5"
                .to_owned()
        )
    );
    assert_eq!(at("D:()"), 2);
    assert_eq!(
        err("D:(A;;KA;;;SY;(x);y)"),
        (18, "too many fields in the ACE".to_owned())
    );
    assert_eq!(err("D:(A;;KA;;;SY;(x);y;z)").0, 18);
    assert_eq!(
        err("D:(A;;KA;;;SY;x)"),
        (
            14,
            "a condition or resource attribute is written in parentheses".to_owned()
        )
    );
    assert_eq!(at("D:(A;;KA;;;SY;(x)"), 2);
    assert_eq!(at("D:(A;;KA;;;SY; (x)"), 2);
    assert_eq!(at("D:(A;;KA;;;SY;(x)y)"), 14);
    assert_eq!(at("D:(A;;KA;;;SY;y(x))"), 14);

    // A condition: nested parentheses, and ';' or ')' inside quotes.
    let a = ace("(XA;;KA;;;WD;(@User.dept == \"a;b)\" && (x)))");
    assert_eq!(a.ace_type, AceType::CallbackAllow);
    assert_eq!(a.extra.as_deref(), Some("(@User.dept == \"a;b)\" && (x))"));
    assert_eq!(a.trustee, t("S-1-1-0"));
    let sd = ok("D:(XD;;KR;;;BU; (x) )(A;;KA;;;SY)");
    let aces = sd.dacl.as_ref().unwrap().aces.clone();
    assert_eq!(aces.len(), 2);
    assert_eq!(aces[0].ace_type, AceType::CallbackDeny);
    assert_eq!(aces[0].extra.as_deref(), Some("(x)"));
    assert_eq!(sd.to_string(), "D:(XD;;KR;;;BU;(x))(A;;KA;;;SY)");
    assert_eq!(
        ace("(RA;;;;;WD;(\"n\",TU,0x0,1))").extra.as_deref(),
        Some("(\"n\",TU,0x0,1)")
    );
    assert_eq!(ace("(A;;KA;;;SY;(x))").extra.as_deref(), Some("(x)"));
    // A callback ACE needs one.
    assert_eq!(
        err("O:SYD:(XA;;KA;;;WD)"),
        (6, "a callback ACE needs a condition".to_owned())
    );
    assert_eq!(at("D:(ZA;;KA;;;WD)"), 2);
    assert_eq!(at("D:(xd;;KA;;;WD)"), 2);

    // The type: any case, space around it, unknown ones at their byte.
    for (code, ty) in [
        ("A", AceType::Allow),
        ("d", AceType::Deny),
        ("OA", AceType::ObjectAllow),
        ("OD", AceType::ObjectDeny),
        ("AU", AceType::Audit),
        ("AL", AceType::Alarm),
        ("OU", AceType::ObjectAudit),
        ("OL", AceType::ObjectAlarm),
        ("ML", AceType::MandatoryLabel),
        ("XU", AceType::CallbackAudit),
        ("RA", AceType::ResourceAttribute),
        ("SP", AceType::ScopedPolicy),
        ("TL", AceType::TrustLabel),
        ("FL", AceType::AccessFilter),
        (" A ", AceType::Allow),
    ] {
        assert_eq!(ace(&format!("({code};;KA;;;SY)")).ace_type, ty, "{code}");
    }
    assert_eq!(
        err("D:(A;;KA;;;SY)(Q;;KA;;;SY)"),
        (15, "unknown ACE type \"Q\"".to_owned())
    );
    assert_eq!(at("D:(;;KA;;;SY)"), 3);

    // Object types are GUIDs, lower-cased.
    let a = ace(
        "(OA;;KA; 0123ABCD-0123-4567-89AB-0123456789AB ;89abcdef-0123-4567-89ab-0123456789ab;SY)",
    );
    assert_eq!(
        a.object_type.as_deref(),
        Some("0123abcd-0123-4567-89ab-0123456789ab")
    );
    assert_eq!(
        a.inherited_object_type.as_deref(),
        Some("89abcdef-0123-4567-89ab-0123456789ab")
    );
    assert_eq!(ace("(OA;;KA; ;;SY)").object_type, None);
    let guid_msg = "an object type is a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)".to_owned();
    assert_eq!(
        err("D:(OA;;KA;0123abcd-0123-4567-89ab-0123456789a;;SY)"),
        (10, guid_msg.clone())
    );
    assert_eq!(
        err("D:(OA;;KA;;0123abcd-0123-4567-89ab-0123456789ag;SY)"),
        (11, guid_msg.clone())
    );
    assert_eq!(
        at("D:(OA;;KA;0123abcd-0123-4567-89ab-0123456789abc;;SY)"),
        10
    );
    assert_eq!(
        at("D:(OA;;KA;0123abcd0-123-4567-89ab-0123456789ab;;SY)"),
        10
    );
    assert_eq!(at("D:(OA;;KA;0123abcd-0123-4567-89ab;;SY)"), 10);
    assert_eq!(
        at("D:(OA;;KA;0123abcd-0123-4567-89ab-0123456789ab-;;SY)"),
        10
    );
    assert_eq!(
        at("D:(OA;;KA;0123abcd-0123-4567-89ab-01234567+9ab;;SY)"),
        10
    );
}

#[test]
fn ace_flags_each_and_their_errors() {
    use ace_flags::*;
    assert_eq!(flags(""), 0);
    assert_eq!(flags("OI"), OBJECT_INHERIT);
    assert_eq!(flags("ci"), CONTAINER_INHERIT);
    assert_eq!(flags("NP"), NO_PROPAGATE_INHERIT);
    assert_eq!(flags("IO"), INHERIT_ONLY);
    assert_eq!(flags("ID"), INHERITED);
    assert_eq!(flags("CR"), CRITICAL);
    assert_eq!(flags("SA"), SUCCESSFUL_ACCESS);
    assert_eq!(flags("TP"), SUCCESSFUL_ACCESS);
    assert_eq!(flags("FA"), FAILED_ACCESS);
    assert_eq!(flags(" OICIIONPID "), 0x1F);
    assert_eq!(flags("OIOI"), OBJECT_INHERIT);
    assert_eq!(flags("CRSAFA"), 0xE0);
    assert_eq!(
        ok("D:(A;NPIDIO;KA;;;SY)").to_string(),
        "D:(A;NPIOID;KA;;;SY)"
    );

    assert_eq!(
        err("D:(A;OIXX;KA;;;SY)"),
        (7, "unknown ACE flag \"XX\"".to_owned())
    );
    assert_eq!(
        err("D:(A;OIC;KA;;;SY)"),
        (7, "unknown ACE flag \"C\"".to_owned())
    );
    assert_eq!(err("D:(A;  OIC;KA;;;SY)").0, 9);
    assert_eq!(err("D:(A;O;KA;;;SY)").0, 5);
    assert_eq!(err("D:(A;OI CI;KA;;;SY)").0, 7);
    // A code cut inside a multibyte character is no code.
    assert_eq!(err("D:(A;Oé;KA;;;SY)").0, 5);
    assert_eq!(err("D:(A;é;KA;;;SY)").0, 5);
}

#[test]
fn rights_by_code_hex_and_decimal() {
    use rights::*;
    for (code, m) in [
        ("GA", GENERIC_ALL),
        ("GR", GENERIC_READ),
        ("GW", GENERIC_WRITE),
        ("GX", GENERIC_EXECUTE),
        ("KA", KEY_ALL_ACCESS),
        ("KR", KEY_READ),
        ("KW", KEY_WRITE),
        ("KX", KEY_READ),
        ("FA", 0x001F_01FF),
        ("RC", READ_CONTROL),
        ("SD", DELETE),
        ("WD", WRITE_DAC),
        ("WO", WRITE_OWNER),
        ("CC", 1),
        ("CR", 0x100),
        ("kr", KEY_READ),
    ] {
        assert_eq!(mask(code), m, "{code}");
    }
    assert_eq!(mask(""), 0);
    assert_eq!(mask("GRGW"), GENERIC_READ | GENERIC_WRITE);
    assert_eq!(mask(" KRKW "), KEY_READ | KEY_WRITE);
    assert_eq!(mask("CCDC"), 3);
    assert_eq!(mask("CCCC"), 1);

    assert_eq!(mask("0x1F"), 0x1F);
    assert_eq!(mask("0XF003F"), KEY_ALL_ACCESS);
    assert_eq!(mask(" 0xffffffff "), u32::MAX);
    assert_eq!(mask("0x00000001"), 1);
    assert_eq!(mask("131097"), KEY_READ);
    assert_eq!(mask(" 4294967295 "), u32::MAX);
    assert_eq!(mask("0"), 0);
    assert_eq!(mask("0000000001"), 1);

    let hex_msg = "an access mask in hex is 0x and one to eight hex digits".to_owned();
    assert_eq!(err("D:(A;;0x;;;SY)"), (6, hex_msg.clone()));
    assert_eq!(err("D:(A;;  0x100000000;;;SY)"), (8, hex_msg.clone()));
    assert_eq!(err("D:(A;;0x12g;;;SY)"), (6, hex_msg.clone()));
    assert_eq!(err("D:(A;;0x-1;;;SY)"), (6, hex_msg));
    let dec_msg = "a decimal access mask has only digits".to_owned();
    assert_eq!(err("D:(A;;12a;;;SY)"), (6, dec_msg.clone()));
    assert_eq!(err("D:(A;; 00000000001;;;SY)"), (7, dec_msg.clone()));
    assert_eq!(err("D:(A;;1 2;;;SY)"), (6, dec_msg));
    assert_eq!(
        err("D:(A;; 4294967296;;;SY)"),
        (7, "the access mask does not fit 32 bits".to_owned())
    );
    assert_eq!(
        err("D:(A;;KRQQ;;;SY)"),
        (8, "unknown access right \"QQ\"".to_owned())
    );
    assert_eq!(err("D:(A;; KRK;;;SY)").0, 9);
    // Lower-case `0x` only as the prefix; `x` alone is no right.
    assert_eq!(err("D:(A;;x1;;;SY)").0, 6);
    // Printed back: a code where one fits, hex otherwise, and read the same.
    let sd = ok("D:(A;;0x20019;;;SY)(A;;0x3;;;SY)(A;;0;;;SY)");
    assert_eq!(sd.to_string(), "D:(A;;KR;;;SY)(A;;0x3;;;SY)(A;;0x0;;;SY)");
    assert_eq!(ok(&sd.to_string()), sd);
}

#[test]
fn access_checks_follow_the_dacl_in_order() {
    let user = sid("S-1-5-21-1-2-3-1001");
    let users = sid("S-1-5-32-545");
    let token = AccessToken::new(user.clone(), vec![users.clone()]);

    let sd = ok("O:BAD:(D;;KW;;;S-1-5-21-1-2-3-1001)(A;;KA;;;BU)");
    let read = sd.access_check(&token, rights::KEY_QUERY_VALUE);
    assert!(read.allowed, "{read:?}");
    assert_eq!(read.granted, rights::KEY_QUERY_VALUE);
    let write = sd.access_check(&token, rights::KEY_SET_VALUE);
    assert!(!write.allowed);
    assert_eq!(
        write.decided_by.as_deref(),
        Some("(D;;KW;;;S-1-5-21-1-2-3-1001)")
    );

    // Allow first: the deny after it is not reached for what was granted.
    let sd = ok("D:(A;;KA;;;BU)(D;;KW;;;S-1-5-21-1-2-3-1001)");
    assert!(sd.access_check(&token, rights::KEY_SET_VALUE).allowed);

    // Inherit-only and object ACEs do not apply; another account's do not either.
    let sd = ok("D:(A;IO;KA;;;BU)(A;;KR;;;BA)");
    assert!(!sd.access_check(&token, rights::KEY_READ).allowed);
    let sd = ok("D:(A;OICI;KR;;;BU)");
    assert!(sd.access_check(&token, rights::KEY_READ).allowed);
    assert!(!sd.access_check(&token, rights::KEY_SET_VALUE).allowed);
    // Generic rights map to the registry's.
    let sd = ok("D:(A;;GR;;;BU)");
    assert!(sd.access_check(&token, rights::KEY_QUERY_VALUE).allowed);
    assert!(!sd.access_check(&token, rights::KEY_SET_VALUE).allowed);
    // A null DACL lets everyone in; an empty one nobody.
    assert!(
        ok("D:NO_ACCESS_CONTROL")
            .access_check(&token, rights::KEY_ALL_ACCESS)
            .allowed
    );
    assert!(!ok("D:").access_check(&token, rights::KEY_READ).allowed);
    // A callback ACE is uncertain.
    let c = ok("D:(XA;;KA;;;BU;(x))").access_check(&token, rights::KEY_READ);
    assert!(!c.allowed && c.uncertain);
    let _ = users;
}

#[test]
fn conditions_keep_their_parentheses_quotes_and_semicolons() {
    // `;` inside a condition's parentheses does not split the ACE.
    assert_eq!(ace("(A;;KA;;;SY;(a;b))").extra.as_deref(), Some("(a;b)"));
    // `)` and `;` inside quotes neither close the condition nor split the ACE.
    assert_eq!(
        ace("(XA;;KA;;;WD;(x == \"a)b;c\"))").extra.as_deref(),
        Some("(x == \"a)b;c\")")
    );
    // `(` inside quotes opens nothing, so the ACE closes where it should.
    assert_eq!(
        ace("(XA;;KA;;;WD;(x == \"(\"))").extra.as_deref(),
        Some("(x == \"(\")")
    );
    // ... and the `;` after the condition still splits: an eighth field.
    assert_eq!(
        err("D:(A;;KA;;;SY;(\"(\");x)"),
        (20, "too many fields in the ACE".to_owned())
    );
    // A quoted `)` closes no parenthesis when the ACE is split either: the `;` after it is
    // still inside the condition.
    assert_eq!(
        ace("(XA;;KA;;;WD;(\"a)\";b))").extra.as_deref(),
        Some("(\"a)\";b)")
    );
}

#[test]
fn generic_rights_map_with_the_registry_s_mapping() {
    use rights::*;
    // The key rights' values, as winnt.h defines them.
    assert_eq!(KEY_READ, 0x0002_0019);
    assert_eq!(KEY_WRITE, 0x0002_0006);
    assert_eq!(map_registry_generic(GENERIC_READ), KEY_READ);
    assert_eq!(map_registry_generic(GENERIC_WRITE), KEY_WRITE);
    assert_eq!(map_registry_generic(GENERIC_EXECUTE), KEY_READ);
    assert_eq!(map_registry_generic(GENERIC_ALL), KEY_ALL_ACCESS);
    // Specific bits are kept beside the mapped ones; the generic bits themselves go.
    assert_eq!(
        map_registry_generic(GENERIC_WRITE | DELETE),
        KEY_WRITE | DELETE
    );
    assert_eq!(
        map_registry_generic(GENERIC_READ | GENERIC_WRITE),
        KEY_READ | KEY_WRITE
    );
    assert_eq!(map_registry_generic(KEY_CREATE_LINK), KEY_CREATE_LINK);
    // An ACE granting GR lets a token query a value but not set one.
    let user = sid("S-1-5-21-1-2-3-1105");
    let token = AccessToken::new(user.clone(), vec![]);
    let sd = ok(&format!("D:(A;;GR;;;{user})"));
    assert!(sd.access_check(&token, KEY_QUERY_VALUE).allowed);
    assert!(!sd.access_check(&token, KEY_SET_VALUE).allowed);
    let sd = ok(&format!("D:(A;;GW;;;{user})"));
    assert!(sd.access_check(&token, KEY_SET_VALUE).allowed);
    assert!(!sd.access_check(&token, KEY_QUERY_VALUE).allowed);
    let sd = ok(&format!("D:(A;;GX;;;{user})"));
    assert!(sd.access_check(&token, KEY_NOTIFY).allowed);
    // Desired generic rights are mapped too.
    let sd = ok(&format!("D:(A;;KR;;;{user})"));
    assert!(sd.access_check(&token, GENERIC_READ).allowed);
    assert!(!sd.access_check(&token, GENERIC_WRITE).allowed);
}

#[test]
fn only_allow_and_deny_entries_that_apply_to_the_key_decide() {
    let user = sid("S-1-5-21-1-2-3-1105");
    let token = AccessToken::new(user.clone(), vec![]);
    // Audit and alarm entries, in the DACL or not, grant nothing.
    for d in [
        format!("D:(AU;SA;KA;;;{user})"),
        format!("D:(AL;;KA;;;{user})"),
    ] {
        let c = ok(&d).access_check(&token, rights::KEY_QUERY_VALUE);
        assert!(!c.allowed && c.granted == 0, "{d}");
    }
    // An inherit-only entry applies to subkeys only.
    let c = ok(&format!("D:(A;CIIO;KA;;;{user})")).access_check(&token, rights::KEY_READ);
    assert!(!c.allowed);
    // ... and an inherit-only deny does not stop the allow after it.
    let c = ok(&format!("D:(D;CIIO;KA;;;{user})(A;;KA;;;{user})"))
        .access_check(&token, rights::KEY_READ);
    assert!(c.allowed && c.decided_by.is_none());
}

#[test]
fn the_owner_may_read_and_change_the_dacl_unless_owner_rights_say_otherwise() {
    use rights::*;
    let user = sid("S-1-5-21-1-2-3-1105");
    let token = AccessToken::new(user.clone(), vec![]);
    // Owner, and a DACL that names somebody else: READ_CONTROL and WRITE_DAC, nothing more.
    let sd = ok(&format!("O:{user}D:(A;;KR;;;BU)"));
    for (want, allowed) in [
        (READ_CONTROL, true),
        (WRITE_DAC, true),
        (READ_CONTROL | WRITE_DAC, true),
        (WRITE_OWNER, false),
        (KEY_QUERY_VALUE, false),
    ] {
        let c = sd.access_check(&token, want);
        assert_eq!(c.allowed, allowed, "0x{want:x}");
    }
    let c = sd.access_check(&token, READ_CONTROL | KEY_QUERY_VALUE);
    assert!(!c.allowed);
    assert_eq!(c.granted, READ_CONTROL);
    // Not the owner: nothing implicit.
    let sd = ok("O:BAD:(A;;KR;;;BU)");
    assert!(!sd.access_check(&token, WRITE_DAC).allowed);
    // An OWNER RIGHTS entry replaces the implicit rights.
    let sd = ok(&format!("O:{user}D:(A;;KQ;;;OW)").replace("KQ", "0x1"));
    assert!(!sd.access_check(&token, WRITE_DAC).allowed);
    assert!(sd.access_check(&token, KEY_QUERY_VALUE).allowed);
    // ... for the owner only.
    let other = AccessToken::new(sid("S-1-5-21-1-2-3-1106"), vec![]);
    assert!(!sd.access_check(&other, KEY_QUERY_VALUE).allowed);
}

#[test]
fn a_condition_only_makes_the_answer_uncertain_for_rights_it_covers() {
    let user = sid("S-1-5-21-1-2-3-1105");
    let token = AccessToken::new(user.clone(), vec![]);
    // The callback entry covers querying, not setting: the answer for setting is certain.
    let sd = ok(&format!("D:(XA;;0x1;;;{user};(x))(A;;KA;;;{user})"));
    let c = sd.access_check(&token, rights::KEY_SET_VALUE);
    assert!(c.allowed && !c.uncertain);
    let c = sd.access_check(&token, rights::KEY_QUERY_VALUE);
    assert!(c.allowed && c.uncertain);
    // Covered rights already granted before it leave it out too.
    let sd = ok(&format!(
        "D:(A;;0x1;;;{user})(XA;;0x1;;;{user};(x))(A;;0x2;;;{user})"
    ));
    let c = sd.access_check(&token, rights::KEY_QUERY_VALUE | rights::KEY_SET_VALUE);
    assert!(c.allowed && !c.uncertain);
}

#[test]
fn canonical_order() {
    let canonical = |s: &str| ok(s).dacl.unwrap().is_canonical();
    // Explicit denies, explicit allows, inherited denies, inherited allows.
    assert!(canonical(
        "D:(D;;KA;;;BG)(A;;KA;;;BA)(A;;KR;;;BU)(D;ID;KA;;;AN)(A;ID;KA;;;SY)(A;CIID;KR;;;WD)"
    ));
    assert!(canonical("D:"));
    assert!(canonical("D:(A;;KA;;;BA)"));
    assert!(!canonical("D:(A;;KA;;;BA)(D;;KA;;;BG)"));
    assert!(!canonical("D:(A;ID;KA;;;BA)(A;;KA;;;BG)"));
    assert!(!canonical("D:(D;ID;KA;;;BA)(D;;KA;;;BG)"));
    assert!(!canonical("D:(A;ID;KA;;;BA)(D;ID;KA;;;BG)"));
    assert!(!canonical("D:(A;;KA;;;BA)(D;ID;KA;;;BG)(D;;KA;;;AN)"));
    // Other entries (audit, alarm) are not ranked, wherever they are.
    assert!(canonical("D:(AU;SA;KA;;;WD)(D;;KA;;;BG)(A;;KA;;;BA)"));
    assert!(canonical("D:(A;ID;KA;;;BA)(AL;;KA;;;WD)"));
    // Callback entries rank as their kind.
    assert!(!canonical("D:(XA;;KA;;;BA;(x))(XD;;KA;;;BG;(x))"));
}

#[test]
fn what_a_new_subkey_inherits() {
    let child = |s: &str| ok(s).inherited_by_child_key();
    // Only container-inherit entries, as inherited, without IO; generic rights mapped.
    let c = child("D:P(A;;KA;;;BA)(A;CIIO;GA;;;SY)(A;OI;KR;;;BU)(A;CI;GR;;;WD)");
    assert_eq!(c.to_string(), "D:AI(A;CIID;KA;;;SY)(A;CIID;KR;;;WD)");
    let dacl = c.dacl.as_ref().unwrap();
    assert!(dacl.auto_inherited && !dacl.protected);
    assert_eq!(dacl.aces[0].mask, rights::KEY_ALL_ACCESS);
    assert_eq!(
        dacl.aces[0].flags,
        ace_flags::CONTAINER_INHERIT | ace_flags::INHERITED
    );
    // An entry inherited already stays inherited; OI and CR pass on.
    assert_eq!(
        child("D:(A;OICIID;KA;;;SY)(A;CICR;KR;;;BU)").to_string(),
        "D:AI(A;OICIID;KA;;;SY)(A;CIIDCR;KR;;;BU)"
    );
    // NP: the subkey gets it, its own subkeys do not (CI, OI and NP cleared).
    let c = child("D:(A;OICINP;KA;;;SY)(A;CINPIO;KR;;;BU)(A;CINPCR;KR;;;WD)");
    assert_eq!(
        c.to_string(),
        "D:AI(A;ID;KA;;;SY)(A;ID;KR;;;BU)(A;IDCR;KR;;;WD)"
    );
    assert_eq!(c.dacl.unwrap().aces[0].flags, ace_flags::INHERITED);
    // CREATOR OWNER and CREATOR GROUP are left out; no DACL or a null one gives nothing.
    assert_eq!(
        child("D:(A;CI;KA;;;CO)(A;CI;KA;;;CG)(A;CI;KR;;;BU)").to_string(),
        "D:AI(A;CIID;KR;;;BU)"
    );
    assert_eq!(child("O:BAG:SY").to_string(), "");
    assert_eq!(child("D:NO_ACCESS_CONTROL").to_string(), "");
}

#[test]
fn audit_and_filter_entries_print_their_own_flag_code() {
    // 0x40 is SA (successful access) on audit entries and TP (trust-protected) on filters.
    for text in [
        "S:(AU;SA;KA;;;WD)",
        "S:(FL;TP;KA;;;WD;(x))",
        "S:(FL;CI;KA;;;WD;(x))",
    ] {
        assert_eq!(ok(text).to_string(), text);
    }
}
