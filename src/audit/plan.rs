//! What is derived from a blob and its context once, before any candidate is tried:
//! modifiers, purposes, application paths, and every message laid out for MACing.

use super::framework45::{Fx45Check, PurposeCase, fx45_checks};
use super::legacy::{LegacyCheck, Modifier, legacy_checks};
use super::{Blob, BlobKind};
use crate::crypto::framework45::{Purpose, primary};
use crate::formats::{GeneratorHash, Page};
use crate::keys::string_hash::invariant_ignore_case_hash;

/// An application path whose IsolateApps variant of each key is tried.
pub(super) struct IsolatedApp {
    pub(super) path: String,
    /// The virtual-path hash that replaces key bytes 0-3.
    pub(super) hash: i32,
    /// The auditor's IsolateApps variants of every candidate for this path, shared by
    /// every blob of the site.
    pub(super) cache: Option<std::sync::Arc<super::IsolatedSlots>>,
}

pub(super) struct Plan {
    pub(super) modifiers: Vec<Modifier>,
    /// Legacy readings by ascending tag length.
    pub(super) legacy: Vec<LegacyCheck>,
    pub(super) isolated_apps: Vec<IsolatedApp>,
    pub(super) purposes: Vec<PurposeCase>,
    pub(super) fx45: Vec<Fx45Check>,
}

fn user_keys(blob: &Blob<'_>) -> Vec<Option<String>> {
    std::iter::once(None)
        .chain(blob.user_keys.iter().cloned().map(Some))
        .collect()
}

/// `key_lengths`: the distinct master key lengths of the candidates, for the derivations.
pub(super) fn plan(blob: &Blob<'_>, key_lengths: &[usize]) -> Plan {
    let mut pages: Vec<(Page, Option<String>)> = Vec::new();
    let mut isolated_apps = Vec::new();
    if let Some(url) = blob.url {
        for page_path in Page::paths_for_url(url) {
            for app in Page::app_path_candidates(&page_path) {
                if let Ok(page) = Page::from_path(&page_path, &app) {
                    pages.push((page, Some(app.clone())));
                }
                if isolated_apps.iter().any(|a: &IsolatedApp| a.path == app) {
                    continue;
                }
                if let Ok(h) = invariant_ignore_case_hash(&app) {
                    isolated_apps.push(IsolatedApp {
                        path: app,
                        hash: h,
                        cache: None,
                    });
                }
            }
        }
    }
    let page_state = matches!(
        blob.kind,
        BlobKind::ViewState(_) | BlobKind::EventValidation(_)
    );
    let modifiers = if page_state {
        page_modifiers(blob, &pages)
    } else {
        vec![Modifier {
            bytes: Vec::new(),
            user_key: None,
            app_path: None,
        }]
    };
    let purposes = purposes(blob, &pages, key_lengths);
    let bytes = blob.kind.bytes();
    let legacy = legacy_checks(&blob.kind, &modifiers);
    Plan {
        modifiers,
        legacy,
        isolated_apps,
        fx45: if purposes.is_empty() {
            Vec::new()
        } else {
            fx45_checks(bytes)
        },
        purposes,
    }
}

/// The page modifiers: each generator (given, or from each application level of the URL)
/// with each `ViewStateUserKey` candidate.
fn page_modifiers(blob: &Blob<'_>, pages: &[(Page, Option<String>)]) -> Vec<Modifier> {
    // Each generator with the application level whose page has it (the given one's too).
    let levels: Vec<(u32, Option<String>)> = pages
        .iter()
        .filter_map(|(page, app)| {
            Some((page.generator(GeneratorHash::default()).ok()?, app.clone()))
        })
        .collect();
    let level_of = |g: u32| {
        levels
            .iter()
            .find(|(l, _)| *l == g)
            .and_then(|(_, a)| a.clone())
    };
    let mut generators: Vec<(u32, Option<String>)> = blob
        .generator
        .map(|g| (g, level_of(g)))
        .into_iter()
        .collect();
    for (g, app) in &levels {
        if !generators.iter().any(|(known, _)| known == g) {
            generators.push((*g, app.clone()));
        }
    }
    let mut modifiers = Vec::new();
    for user_key in user_keys(blob) {
        let suffix: Vec<u8> = user_key
            .as_deref()
            .unwrap_or_default()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        for (g, app_path) in &generators {
            let mut bytes = g.to_le_bytes().to_vec();
            bytes.extend_from_slice(&suffix);
            modifiers.push(Modifier {
                bytes,
                user_key: user_key.clone(),
                app_path: app_path.clone(),
            });
        }
        if generators.is_empty() {
            // No page identity (a mobile page's Hashtable root, or an unknown page).
            modifiers.push(Modifier {
                bytes: suffix,
                user_key: user_key.clone(),
                app_path: None,
            });
        }
    }
    modifiers
}

fn purposes(
    blob: &Blob<'_>,
    pages: &[(Page, Option<String>)],
    key_lengths: &[usize],
) -> Vec<PurposeCase> {
    let simple = |primary: &str| PurposeCase::new(Purpose::new(primary), None, None, key_lengths);
    let page_primary = match &blob.kind {
        BlobKind::ViewState(_) => primary::VIEWSTATE,
        BlobKind::EventValidation(_) => primary::EVENT_VALIDATION,
        BlobKind::FormsCookie(_) => return vec![simple(primary::FORMS_AUTHENTICATION_TICKET)],
        BlobKind::Resource(_) => {
            return [
                primary::WEB_RESOURCE_URL,
                primary::SCRIPT_RESOURCE_URL,
                primary::PREVIOUS_PAGE_ID,
            ]
            .into_iter()
            .map(simple)
            .collect();
        }
        BlobKind::Protected(_, specific) => {
            return vec![PurposeCase::new(
                Purpose::new(primary::MACHINE_KEY_PROTECT).with_specifics(specific),
                None,
                None,
                key_lengths,
            )];
        }
    };
    let mut out = Vec::new();
    for user_key in user_keys(blob) {
        for (page, app) in pages {
            let page = match &user_key {
                Some(k) => page.clone().with_view_state_user_key(k),
                None => page.clone(),
            };
            if let Ok(specific) = page.purposes() {
                out.push(PurposeCase::new(
                    Purpose::new(page_primary).with_specifics(&specific),
                    app.clone(),
                    user_key.clone(),
                    key_lengths,
                ));
            }
        }
    }
    out
}
