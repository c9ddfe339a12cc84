//! Files kept with a draft application. A browser never keeps chosen files across
//! a page load, so an application refused for an empty field would otherwise lose
//! every file with it; the accepted ones are kept here until the application is
//! stored, and stand in for the materials not chosen again. Only an applicant's
//! own drafts keep files: at the one window each submission is for another person.

use std::collections::BTreeMap;

use cases::FieldIssue;
use domain::Account;

use super::files::MaterialFile;
use crate::AppState;
use crate::error::ApiError;

/// Whether `caller`'s drafts keep files: applicants only.
fn keeps(caller: &Account) -> bool {
    caller.role == domain::Role::Applicant
}

/// The kept files of `caller`'s draft of `one_thing`: file name by material.
pub async fn kept(state: &AppState, caller: &Account, one_thing: &str) -> Result<BTreeMap<String, String>, ApiError> {
    if !keeps(caller) {
        return Ok(BTreeMap::new());
    }
    Ok(state
        .store
        .draft_uploads(&caller.id, one_thing)
        .await?
        .into_iter()
        .map(|draft| (draft.material, draft.file_name))
        .collect())
}

/// `files` as chosen now, and for every material not chosen again, the kept file.
pub async fn with_kept(
    state: &AppState,
    caller: &Account,
    one_thing: &str,
    mut files: Vec<MaterialFile>,
) -> Result<Vec<MaterialFile>, ApiError> {
    if !keeps(caller) {
        return Ok(files);
    }
    for draft in state.store.draft_uploads(&caller.id, one_thing).await? {
        if !files.iter().any(|file| file.material == draft.material) {
            files.push(MaterialFile {
                material: draft.material,
                file_name: draft.file_name,
                bytes: draft.data,
            });
        }
    }
    Ok(files)
}

/// Keeps the files of a refused try that were not themselves refused (the type
/// found from their content), and returns every kept file by material.
pub async fn keep(
    state: &AppState,
    caller: &Account,
    one_thing: &str,
    files: &[MaterialFile],
    issues: &[FieldIssue],
) -> Result<BTreeMap<String, String>, ApiError> {
    if !keeps(caller) {
        return Ok(BTreeMap::new());
    }
    let now = state.now();
    let accepted: Vec<store::DraftUpload> = files
        .iter()
        .filter(|file| {
            !issues
                .iter()
                .any(|issue| issue.field == format!("material.{}", file.material))
        })
        .filter_map(|file| {
            let content_type = super::files::sniff(&file.bytes)?;
            (file.bytes.len() <= super::files::MAX_FILE_BYTES).then(|| store::DraftUpload {
                material: file.material.clone(),
                file_name: file.file_name.clone(),
                content_type: content_type.to_owned(),
                data: file.bytes.clone(),
                saved_at: now,
            })
        })
        .collect();
    state.store.put_draft_uploads(&caller.id, one_thing, &accepted).await?;
    kept(state, caller, one_thing).await
}

/// Forgets the kept files once the application is stored.
pub async fn forget(state: &AppState, caller: &Account, one_thing: &str) -> Result<(), ApiError> {
    state.store.delete_draft_uploads(&caller.id, one_thing).await?;
    Ok(())
}

/// How long a kept draft file stays when its application is never completed.
pub const KEEP_DAYS: i64 = 30;

/// Removes the files of drafts abandoned for [`KEEP_DAYS`] (run by the deadline
/// watch): a person's scans are not kept longer than the application needs them.
pub async fn prune(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> Result<u64, ApiError> {
    Ok(state
        .store
        .prune_draft_uploads(now - chrono::Duration::days(KEEP_DAYS))
        .await?)
}
