//! Property tests of the IIS readers: SDDL written by the crate reads back to the same
//! descriptor; no string makes the SDDL, SID, applicationHost.config, metabase or `.reg`
//! readers panic, and their errors point inside the input; the access check agrees with an
//! independent model on canonical DACLs; and what a subkey inherits never grants more than
//! the parent's inheritable entries.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::iis::apphost::{ReadOptions, parse_application_host};
use machinekey::iis::metabase::parse_metabase;
use machinekey::iis::registry::AspNetRegistry;
use machinekey::iis::sddl::{
    AccessToken, Ace, AceType, Acl, SecurityDescriptor, Trustee, ace_flags, rights,
};
use machinekey::iis::sid::Sid;
use proptest::prelude::*;

const CASES: u32 = 256;

fn sid_strategy() -> impl Strategy<Value = Sid> {
    (
        prop_oneof![0u64..20, Just(1u64 << 40), Just((1u64 << 48) - 1)],
        prop::collection::vec(any::<u32>(), 0..=15),
    )
        .prop_map(|(authority, subs)| Sid::new(authority, &subs))
}

fn trustee_strategy() -> impl Strategy<Value = Trustee> {
    prop_oneof![
        sid_strategy().prop_map(Trustee::Sid),
        prop::sample::select(vec![
            "BA", "SY", "BU", "NS", "LS", "AU", "WD", "IU", "CO", "IS"
        ])
        .prop_map(|a| match machinekey::iis::sid::alias(a) {
            Some(machinekey::iis::sid::AliasTarget::Sid(s)) => Trustee::Sid(s),
            _ => unreachable!(),
        }),
        Just(Trustee::DomainRelative {
            alias: "DU".into(),
            rid: 513
        }),
        Just(Trustee::MachineRelative {
            alias: "LA".into(),
            rid: 500
        }),
    ]
}

fn guid_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => any::<u128>().prop_map(|g| {
            let h = format!("{g:032x}");
            Some(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
        }),
    ]
}

fn ace_strategy() -> impl Strategy<Value = Ace> {
    let types = vec![
        AceType::Allow,
        AceType::Deny,
        AceType::ObjectAllow,
        AceType::ObjectDeny,
        AceType::Audit,
        AceType::MandatoryLabel,
        AceType::CallbackAllow,
        AceType::CallbackDeny,
    ];
    (
        prop::sample::select(types),
        any::<u8>(),
        prop_oneof![
            any::<u32>(),
            Just(rights::KEY_READ),
            Just(rights::KEY_ALL_ACCESS),
            Just(rights::GENERIC_ALL)
        ],
        guid_strategy(),
        guid_strategy(),
        trustee_strategy(),
    )
        .prop_map(
            |(ace_type, flags, mask, object_type, inherited_object_type, trustee)| {
                let conditional =
                    matches!(ace_type, AceType::CallbackAllow | AceType::CallbackDeny);
                Ace {
                    ace_type,
                    flags,
                    mask,
                    object_type,
                    inherited_object_type,
                    trustee,
                    extra: conditional.then(|| "(Member_of {SID(BA)})".to_owned()),
                }
            },
        )
}

fn acl_strategy() -> impl Strategy<Value = Acl> {
    (
        any::<[bool; 3]>(),
        prop::collection::vec(ace_strategy(), 0..8),
    )
        .prop_map(|(f, aces)| Acl {
            protected: f[0],
            auto_inherit_required: f[1],
            auto_inherited: f[2],
            null: false,
            aces,
        })
}

fn sd_strategy() -> impl Strategy<Value = SecurityDescriptor> {
    (
        prop::option::of(trustee_strategy()),
        prop::option::of(trustee_strategy()),
        prop::option::of(acl_strategy()),
        prop::option::of(acl_strategy()),
    )
        .prop_map(|(owner, group, dacl, sacl)| SecurityDescriptor {
            owner,
            group,
            dacl,
            sacl,
        })
}

/// The outcome of an access check on a canonical DACL (denies first), computed without
/// walking in order: denied if any applicable deny entry names a wanted right, else allowed
/// if the applicable allow entries together grant every wanted right.
fn model(dacl: &[(bool, u32, bool)], wanted: u32) -> bool {
    let wanted = rights::map_registry_generic(wanted);
    if dacl.iter().any(|(deny, mask, mine)| {
        *deny && *mine && rights::map_registry_generic(*mask) & wanted != 0
    }) {
        return false;
    }
    let granted = dacl
        .iter()
        .filter(|(deny, _, mine)| !deny && *mine)
        .fold(0, |a, (_, m, _)| a | rights::map_registry_generic(*m));
    granted & wanted == wanted
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn written_sddl_reads_back(sd in sd_strategy()) {
        let text = sd.to_string();
        let back = SecurityDescriptor::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, sd);
    }

    #[test]
    fn sids_read_back(sid in sid_strategy()) {
        prop_assert_eq!(sid.to_string().parse::<Sid>().unwrap(), sid);
    }

    #[test]
    fn sddl_parser_never_panics(text in ".{0,200}") {
        if let Err(e) = SecurityDescriptor::parse(&text) {
            prop_assert!(e.offset <= text.len(), "{} > {}", e.offset, text.len());
        }
        let _ = text.parse::<Sid>();
    }

    #[test]
    fn mutated_sddl_never_panics(sd in sd_strategy(), at in any::<prop::sample::Index>(), with in any::<char>(), cut in any::<bool>()) {
        let mut text = sd.to_string();
        if !text.is_empty() {
            let mut i = at.index(text.len());
            while !text.is_char_boundary(i) { i -= 1; }
            if cut { text.truncate(i) } else { text.insert(i, with) }
        }
        if let Err(e) = SecurityDescriptor::parse(&text) {
            prop_assert!(e.offset <= text.len());
        }
    }

    #[test]
    fn access_check_matches_the_model_on_canonical_dacls(
        entries in prop::collection::vec((any::<bool>(), prop_oneof![any::<u32>(), Just(rights::KEY_ALL_ACCESS), Just(rights::KEY_WRITE)], 0u8..3), 0..8),
        wanted in prop_oneof![Just(rights::KEY_READ), Just(rights::KEY_WRITE), Just(rights::KEY_READ | rights::KEY_WRITE), Just(rights::KEY_SET_VALUE), 1u32..0x000F_0040],
    ) {
        let user = Sid::new(5, &[21, 1, 2, 3, 1105]);
        let group = Sid::new(5, &[32, 545]);
        let other = Sid::new(5, &[32, 544]);
        let token = AccessToken::new(user.clone(), vec![group.clone()]);
        let mut canonical: Vec<(bool, u32, u8)> = entries;
        canonical.sort_by_key(|(deny, _, _)| !*deny);
        let aces = canonical.iter().map(|(deny, mask, who)| Ace {
            ace_type: if *deny { AceType::Deny } else { AceType::Allow },
            flags: 0,
            mask: *mask,
            object_type: None,
            inherited_object_type: None,
            trustee: Trustee::Sid([&user, &group, &other][usize::from(*who)].clone()),
            extra: None,
        }).collect();
        let sd = SecurityDescriptor { dacl: Some(Acl { aces, ..Acl::default() }), ..SecurityDescriptor::default() };
        let flat: Vec<(bool, u32, bool)> = canonical.iter().map(|(d, m, w)| (*d, *m, *w < 2)).collect();
        prop_assert_eq!(sd.access_check(&token, wanted).allowed, model(&flat, wanted), "{}", sd);
        // Read back from its SDDL, the same answer.
        let back = SecurityDescriptor::parse(&sd.to_string()).unwrap();
        prop_assert_eq!(back.access_check(&token, wanted).allowed, model(&flat, wanted));
    }

    #[test]
    fn a_child_key_never_gets_more_than_the_inheritable_entries(sd in sd_strategy(), user in sid_strategy()) {
        let child = sd.inherited_by_child_key();
        let token = AccessToken::new(user, vec![]);
        if let Some(dacl) = child.dacl.as_ref() {
            for ace in &dacl.aces {
                prop_assert!(ace.flags & ace_flags::INHERITED != 0);
                prop_assert!(ace.flags & ace_flags::INHERIT_ONLY == 0);
            }
        }
        // Only container-inherit allow entries of the parent can grant anything to the child.
        let parent_inheritable = SecurityDescriptor {
            dacl: sd.dacl.as_ref().map(|d| Acl {
                aces: d.aces.iter().filter(|a| a.flags & ace_flags::CONTAINER_INHERIT != 0).cloned().map(|mut a| { a.flags &= !ace_flags::INHERIT_ONLY; a }).collect(),
                ..Acl::default()
            }),
            ..SecurityDescriptor::default()
        };
        let child_granted = child.access_check(&token, rights::KEY_SET_VALUE).allowed;
        let any_dacl = sd.dacl.as_ref().is_some_and(|d| !d.null);
        if child_granted && any_dacl {
            prop_assert!(parent_inheritable.access_check(&token, rights::KEY_SET_VALUE).allowed || child.dacl.is_none());
        }
    }

    #[test]
    fn server_readers_never_panic(text in "(<|>|/|\"|=| |[a-zA-Z]|\\[|\\]|\\n|%|\\\\){0,300}") {
        let _ = parse_application_host("a.config", &text, &ReadOptions::default());
        let _ = parse_metabase("MetaBase.xml", &text);
        let _ = AspNetRegistry::new().add_text("a.reg", &text);
    }

    #[test]
    fn mutated_application_host_never_panics(at in any::<prop::sample::Index>(), with in "[<>\"=/ a-z0-9%]{0,4}") {
        let base = r#"<configuration><system.applicationHost><applicationPools><add name="P"><processModel identityType="SpecificUser" userName="u" maxProcesses="3" /></add><applicationPoolDefaults><processModel loadUserProfile="true" /></applicationPoolDefaults></applicationPools><sites><site name="S" id="2"><application path="/a" applicationPool="P"><virtualDirectory path="/" physicalPath="%SystemDrive%\x" /></application></site><applicationDefaults applicationPool="P" /></sites></system.applicationHost><location path="S/a"><system.web><machineKey /></system.web></location></configuration>"#;
        let i = at.index(base.len());
        let text = format!("{}{with}{}", &base[..i], &base[i..]);
        if let Err(e) = parse_application_host("a.config", &text, &ReadOptions::default()) {
            prop_assert!(e.line().is_none_or(|l| l <= text.lines().count().max(1)));
        }
    }
}
