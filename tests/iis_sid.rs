//! SID strings read and printed exactly (issue 33's mutation round over `iis/sid.rs`): every
//! bound of the reader at its edge, every error's byte offset, the 48-bit authority printed
//! in hex, the built-in accounts and the SDDL alias tables both ways.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::iis::apphost::{ReadOptions, parse_application_host};
use machinekey::iis::identity::{Accounts, PoolIdentity};
use machinekey::iis::sid::{
    self, AliasTarget, MAX_SUB_AUTHORITIES, Sid, alias, alias_of, well_known_name,
};

fn parse(s: &str) -> Result<Sid, (usize, &'static str)> {
    s.parse::<Sid>().map_err(|e| (e.offset, e.message))
}

fn ok(s: &str) -> Sid {
    parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

#[test]
fn sids_are_read_and_printed_exactly() {
    let sid = ok("S-1-5-21-1-2-3-500");
    assert_eq!(sid.authority(), 5);
    assert_eq!(sid.sub_authorities(), &[21, 1, 2, 3, 500]);
    assert_eq!(sid.to_string(), "S-1-5-21-1-2-3-500");
    assert_eq!(ok("s-1-5-18"), Sid::local_system());
    assert_eq!(ok("S-1-0x5-0x12").to_string(), "S-1-5-18");
    assert_eq!(ok("S-1-0X5").to_string(), "S-1-5");
    assert_eq!(ok("S-1-1").sub_authorities(), &[] as &[u32]);

    // the built-in accounts
    assert_eq!(Sid::local_system().to_string(), "S-1-5-18");
    assert_eq!(Sid::local_service().to_string(), "S-1-5-19");
    assert_eq!(Sid::network_service().to_string(), "S-1-5-20");
    assert_eq!(sid::batch().to_string(), "S-1-5-3");
    assert_eq!(sid::this_organization().to_string(), "S-1-5-15");
    assert_eq!(sid::local().to_string(), "S-1-2-0");
    assert_eq!(
        Sid::application_pool("DefaultAppPool").to_string(),
        "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"
    );

    // serialised as its string form
    assert_eq!(
        serde_json::to_string(&Sid::local_service()).unwrap(),
        "\"S-1-5-19\""
    );
}

#[test]
fn the_authority_is_48_bits_and_printed_in_hex_above_32() {
    let max = ok("S-1-0xFFFFFFFFFFFF-1");
    assert_eq!(max.authority(), 0xFFFF_FFFF_FFFF);
    assert_eq!(max.to_string(), "S-1-0xFFFFFFFFFFFF-1");
    assert_eq!(ok("S-1-281474976710655").authority(), 0xFFFF_FFFF_FFFF);
    assert_eq!(
        parse("S-1-0x1000000000000"),
        Err((4, "the identifier authority is not a 48-bit number"))
    );
    assert_eq!(
        parse("S-1-281474976710656"),
        Err((4, "the identifier authority is not a 48-bit number"))
    );
    // `Sid::new` clamps to 48 bits
    assert_eq!(Sid::new(u64::MAX, &[]).authority(), 0xFFFF_FFFF_FFFF);
    assert_eq!(Sid::new(1 << 48, &[]).authority(), 0xFFFF_FFFF_FFFF);
    // decimal up to 32 bits, hex from 2^32
    assert_eq!(Sid::new(0xFFFF_FFFF, &[7]).to_string(), "S-1-4294967295-7");
    assert_eq!(Sid::new(1 << 32, &[7]).to_string(), "S-1-0x000100000000-7");
    assert_eq!(ok("S-1-0x000100000000-7").authority(), 1 << 32);
}

#[test]
fn numbers_at_their_bounds() {
    // sub-authorities are 32-bit
    assert_eq!(ok("S-1-5-4294967295").sub_authorities(), &[u32::MAX]);
    assert_eq!(ok("S-1-5-0xFFFFFFFF").sub_authorities(), &[u32::MAX]);
    let sub = "a sub-authority is not a 32-bit number";
    assert_eq!(parse("S-1-5-4294967296"), Err((6, sub)));
    assert_eq!(parse("S-1-5-0x100000000"), Err((6, sub)));
    // at most 16 hex digits, 20 decimal ones (leading zeros count)
    assert_eq!(ok("S-1-0x0000000000000005").authority(), 5);
    assert_eq!(ok("S-1-5-0x0000000000000007").sub_authorities(), &[7]);
    assert_eq!(ok("S-1-5-00000000000000000007").sub_authorities(), &[7]);
    assert_eq!(parse("S-1-5-0x00000000000000007"), Err((6, sub)));
    assert_eq!(parse("S-1-5-000000000000000000007"), Err((6, sub)));
    // only digits: no sign, no empty number, no stray letters
    for bad in ["+7", "0x+7", "0x", "", "7a", "0xg", "-"] {
        let text = format!("S-1-5-{bad}");
        assert_eq!(parse(&text), Err((6, sub)), "{text}");
    }
    let auth = "the identifier authority is not a 48-bit number";
    for bad in ["+5", "0x+5", "0x", "", "5x"] {
        let text = format!("S-1-{bad}-1");
        assert_eq!(parse(&text), Err((4, auth)), "{text}");
    }
}

#[test]
fn errors_name_the_byte() {
    assert_eq!(parse("X-1-5"), Err((0, "a SID starts with \"S-\"")));
    assert_eq!(parse(""), Err((0, "a SID starts with \"S-\"")));
    assert_eq!(parse("S-2-5"), Err((2, "the SID revision must be 1")));
    assert_eq!(parse("S-"), Err((2, "the SID revision must be 1")));
    assert_eq!(
        parse("S-1"),
        Err((3, "the identifier authority is missing"))
    );
    let sub = "a sub-authority is not a 32-bit number";
    assert_eq!(parse("S-1-5-x"), Err((6, sub)));
    assert_eq!(parse("S-1-123-x"), Err((8, sub)));
    assert_eq!(parse("S-1-5-21-x"), Err((9, sub)));
    assert_eq!(parse("S-1-5-21-1234-x"), Err((14, sub)));
    assert_eq!(parse("S-1-5-21-"), Err((9, sub)));
    // 15 sub-authorities, and the 16th refused where it starts
    let fifteen = format!("S-1-5{}", "-1".repeat(MAX_SUB_AUTHORITIES));
    assert_eq!(ok(&fifteen).sub_authorities().len(), 15);
    assert_eq!(
        parse(&format!("{fifteen}-1")),
        Err((fifteen.len() + 1, "a SID has at most 15 sub-authorities"))
    );
    // `Sid::new` drops the rest
    assert_eq!(Sid::new(5, &[1; 20]).sub_authorities().len(), 15);
}

#[test]
fn aliases_both_ways() {
    let fixed = |code: &str| match alias(code) {
        Some(AliasTarget::Sid(s)) => s.to_string(),
        other => panic!("{code}: {other:?}"),
    };
    assert_eq!(fixed("AA"), "S-1-5-32-579");
    assert_eq!(fixed("BA"), "S-1-5-32-544");
    assert_eq!(fixed("ba"), "S-1-5-32-544");
    assert_eq!(fixed("WD"), "S-1-1-0");
    assert_eq!(fixed("WR"), "S-1-5-33");
    assert_eq!(fixed("UD"), "S-1-5-84-0-0-0-0-0");
    assert_eq!(alias("DU"), Some(AliasTarget::DomainRelative(513)));
    assert_eq!(alias("AP"), Some(AliasTarget::DomainRelative(525)));
    assert_eq!(alias("SA"), Some(AliasTarget::DomainRelative(518)));
    assert_eq!(alias("LA"), Some(AliasTarget::MachineRelative(500)));
    assert_eq!(alias("lg"), Some(AliasTarget::MachineRelative(501)));
    assert_eq!(alias("ZZ"), None);
    assert_eq!(alias(""), None);

    assert_eq!(alias_of(&ok("S-1-5-32-544")), Some("BA"));
    assert_eq!(alias_of(&ok("S-1-5-32-579")), Some("AA"));
    assert_eq!(alias_of(&ok("S-1-5-33")), Some("WR"));
    // both the authority and the sub-authorities must match
    assert_eq!(alias_of(&ok("S-1-5-32-999")), None);
    assert_eq!(alias_of(&ok("S-1-6-32-544")), None);
    assert_eq!(alias_of(&ok("S-1-5-21-1-500")), None);

    for (sid, name) in [
        ("S-1-5-18", "NT AUTHORITY\\SYSTEM"),
        ("S-1-5-19", "NT AUTHORITY\\LOCAL SERVICE"),
        ("S-1-5-20", "NT AUTHORITY\\NETWORK SERVICE"),
        ("S-1-5-32-544", "BUILTIN\\Administrators"),
        ("S-1-5-32-545", "BUILTIN\\Users"),
        ("S-1-5-32-568", "BUILTIN\\IIS_IUSRS"),
        ("S-1-5-11", "NT AUTHORITY\\Authenticated Users"),
        ("S-1-1-0", "Everyone"),
        ("S-1-3-0", "CREATOR OWNER"),
        ("S-1-5-6", "NT AUTHORITY\\SERVICE"),
        ("S-1-5-4", "NT AUTHORITY\\INTERACTIVE"),
    ] {
        assert_eq!(well_known_name(&ok(sid)), Some(name), "{sid}");
    }
    // an alias without a name, and no alias
    assert_eq!(well_known_name(&ok("S-1-5-32-546")), None);
    assert_eq!(well_known_name(&ok("S-1-5-21-1-500")), None);
}

#[test]
fn a_pool_token_holds_the_fixed_groups() {
    let server = parse_application_host(
        "a.config",
        r#"<configuration><system.applicationHost>
  <applicationPools><add name="DefaultAppPool" /></applicationPools>
</system.applicationHost></configuration>"#,
        &ReadOptions::default(),
    )
    .unwrap();
    let pool = server.pool("DefaultAppPool").unwrap();
    let id = PoolIdentity::of(pool, server.kind, &Accounts::new());
    let groups: Vec<String> = id.groups.iter().map(ToString::to_string).collect();
    for group in ["S-1-1-0", "S-1-5-11", "S-1-5-15", "S-1-2-0"] {
        assert!(groups.iter().any(|g| g == group), "{group} in {groups:?}");
    }
    assert!(!groups.iter().any(|g| g == "S-1-0-0"), "{groups:?}");
}
