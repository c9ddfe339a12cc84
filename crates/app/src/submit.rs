//! Submitting an application (一表申请、一套材料): online by the applicant, or at the
//! one window (综合窗口) on behalf of a person who walked in. Both front doors call
//! [`submit`]; the checks, the case, its files, its notices and its ledger entries
//! are decided here once.

use std::collections::{BTreeMap, BTreeSet};

use cases::{Case, CaseId, FieldIssue};
use catalog::Answers;
use domain::{Account, Role};
use store::{IdempotencyKey, Inserted};

use super::AppError;
use crate::AppState;
use crate::error::ApiError;

/// The department code of the government service centre's one window.
pub const WINDOW_DEPARTMENT: &str = "ZW";

/// Whether `account` works at the one window (综合窗口).
pub fn is_window(account: &Account) -> bool {
    account.role == Role::Staff && account.department.as_deref() == Some(WINDOW_DEPARTMENT)
}

pub use super::files::MaterialFile;

/// The person a window submission is for, as read from their ID card.
#[derive(Clone, Debug, Default)]
pub struct WalkIn {
    pub name: String,
    pub id_number: String,
}

/// One application, however it arrived.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    pub one_thing: String,
    pub answers: Answers,
    /// Values by data element; only what was given.
    pub form: BTreeMap<String, String>,
    /// The prefill the applicant consented to.
    pub prefill: Option<String>,
    pub files: Vec<MaterialFile>,
    /// Material ids of the commitment letters (告知承诺) the applicant accepted.
    pub commitments: BTreeSet<String>,
    /// Required at the window, refused anywhere else.
    pub walk_in: Option<WalkIn>,
    pub idempotency: Option<IdempotencyKey>,
}

/// The stored case; `replayed` when an Idempotency-Key found an earlier one.
#[derive(Debug)]
pub struct Submitted {
    pub case: Case,
    pub replayed: bool,
}

/// Who may submit at all: an applicant for themself, the one window for a walk-in.
/// Checked before the request is read, so that nobody else learns anything from
/// how their input would have been judged.
pub fn may_submit(caller: &Account) -> Result<(), ApiError> {
    if caller.role == Role::Applicant || is_window(caller) {
        Ok(())
    } else {
        Err(ApiError::forbidden("只有申请人或综合窗口可以提交办件"))
    }
}

/// Submits `submission` as `caller`. On success the case, its files, its events
/// (ledger entries) and its notices are stored in one transaction and the notices
/// delivered; on any error nothing is stored.
pub async fn submit(state: &AppState, caller: &Account, submission: Submission) -> Result<Submitted, AppError> {
    may_submit(caller)?;
    let window = is_window(caller);
    match (window, submission.walk_in.is_some()) {
        (false, false) | (true, true) => {}
        (true, false) => {
            return Err(
                ApiError::new("E_WALK_IN_REQUIRED", "窗口代为提交须填写办事群众的姓名和公民身份号码")
                    .field("walk_in")
                    .into(),
            );
        }
        (false, true) => return Err(ApiError::forbidden("只有综合窗口可以代他人提交申请").into()),
    }
    let one_thing = super::plan::find_one_thing(state, &submission.one_thing)?;
    let now = state.now();
    let prefill = match submission.prefill.as_deref().filter(|_| !window) {
        Some(id) => Some(
            crate::sharing::load_prefill(state, caller, one_thing.id.as_str(), id)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        "E_PREFILL_NOT_FOUND",
                        "没有找到这份预填数据（编号有误，或不属于您和这件事）",
                    )
                    .field("prefill")
                })?,
        ),
        None => None,
    };
    let holder = (!window).then_some(caller);
    let holdings = crate::sharing::holdings(
        state,
        holder,
        crate::sharing::Stage::Application(prefill.as_ref().map(|(doc, _)| doc)),
    )
    .await?;
    let plan = super::plan::plan_for(state, one_thing, &submission.answers, &holdings, cases::china_date(now))?;
    let case_id = new_case_id(state)?;

    // One set of materials: every needed file present and of an accepted type, every
    // commitment accepted.
    let mut issues = Vec::new();
    let mut uploads = Vec::new();
    for material in plan.materials.iter().filter(|m| m.is_needed()) {
        let field = format!("material.{}", material.id);
        if material.kind == catalog::MaterialKind::Commitment.label_zh() {
            if !submission.commitments.contains(&material.id) {
                issues.push(FieldIssue {
                    field,
                    code: "COMMITMENT_REQUIRED".into(),
                    message: format!("请阅读并勾选承诺：{}", material.name),
                });
            }
            continue;
        }
        match submission.files.iter().find(|f| f.material == material.id) {
            None => issues.push(FieldIssue {
                field,
                code: "MATERIAL_REQUIRED".into(),
                // Shared data and e-certificates are needed only without consent.
                message: if material.kind == catalog::MaterialKind::Upload.label_zh() {
                    format!("请上传：{}", material.name)
                } else {
                    format!(
                        "请上传：{}（未授权部门通过数据共享或电子证照库获取时，需自行提交）",
                        material.name
                    )
                },
            }),
            Some(file) => match super::files::check(&material.name, &file.bytes) {
                Err(message) => issues.push(FieldIssue {
                    field,
                    code: "MATERIAL_REJECTED".into(),
                    message,
                }),
                Ok(content_type) => uploads.push(super::files::upload_record(
                    case_id.as_str(),
                    file,
                    content_type,
                    &caller.id,
                    now,
                )),
            },
        }
    }
    // At a window, the case belongs to the person who came in, named by their ID number.
    let mut form = submission.form;
    let person = match &submission.walk_in {
        Some(walk_in) => walk_in_person(walk_in, cases::china_date(now), &mut issues),
        None => None,
    };
    if let Some((name, id_number)) = &person {
        // The form's applicant fields default to the person at the window.
        let asked = |element: &str| plan.form.iter().flat_map(|g| &g.fields).any(|f| f.element == element);
        if asked("person.name") {
            form.entry("person.name".to_owned()).or_insert_with(|| name.clone());
        }
        if asked("person.id_number") {
            form.entry("person.id_number".to_owned())
                .or_insert_with(|| id_number.to_string());
        }
    }
    // A person's report is about the person it is submitted for, and no one else.
    let own_id_number = match &person {
        Some((_, id_number)) => Some(id_number.as_str()),
        None => caller.id_number.as_deref(),
    };
    if person.is_some() || !window {
        issues.extend(report_subject_issue(one_thing, &form, own_id_number));
    }
    let applicant = match &person {
        Some((name, id_number)) if issues.is_empty() => match applicant_for(state, name, id_number).await? {
            Ok(id) => id,
            Err(issue) => {
                issues.push(issue);
                caller.id.clone()
            }
        },
        _ => caller.id.clone(),
    };
    let outcome = match Case::create(
        &state.catalog,
        &state.calendar(),
        &plan,
        case_id,
        &applicant,
        &form,
        now,
    ) {
        Ok(outcome) if issues.is_empty() => outcome,
        Ok(_) => return Err(AppError::Invalid(issues)),
        Err(cases::CaseError::Form(mut form_issues)) => {
            form_issues.extend(issues);
            return Err(AppError::Invalid(form_issues));
        }
        Err(error) => return Err(ApiError::from(error).into()),
    };
    let outcome = if window {
        outcome.submitted_at_window(&caller.id)
    } else {
        outcome
    };
    let outcome = match prefill {
        Some((doc, consent)) => outcome.with_prefill(&doc.fetched(), consent),
        None => outcome,
    };
    let notices = crate::watch::notices_for(&state.catalog, &outcome.case, &outcome.events, now);
    match state
        .store
        .insert_case_with_uploads(
            &outcome.case,
            &outcome.events,
            submission.idempotency.as_ref(),
            &uploads,
            &notices,
        )
        .await?
    {
        Inserted::Created => {
            crate::operations::SUBMITTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            crate::watch::deliver(state, &notices);
            tracing::info!(case = %outcome.case.id, one_thing = %outcome.case.one_thing, window, "case submitted");
            Ok(Submitted {
                case: outcome.case,
                replayed: false,
            })
        }
        Inserted::Existing(id) => {
            let existing = state.store.load_case(&id).await?.ok_or_else(ApiError::case_not_found)?;
            Ok(Submitted {
                case: existing.case,
                replayed: true,
            })
        }
        Inserted::KeyReused => Err(ApiError::new(
            "E_IDEMPOTENCY_KEY_REUSED",
            "该 Idempotency-Key 已用于另一份不同的申请",
        )
        .field("Idempotency-Key")
        .into()),
    }
}

/// Why a person's report (个人信用报告…, see
/// [`catalog::OneThing::report_is_about_the_applicant`]) may not be asked for with
/// `form`: its subject must be `own_id_number`, the ID number of the person it is for
/// (the signed-in applicant's, or the walk-in's read from their ID card). Anyone
/// else's report needs their written authorization (征信业管理条例 第十八条), which no
/// one-thing takes; an account without an ID number cannot ask for one at all. A
/// missing value is left to the form's own check. `None` for every other one-thing.
pub(crate) fn report_subject_issue(
    one_thing: &catalog::OneThing,
    form: &BTreeMap<String, String>,
    own_id_number: Option<&str>,
) -> Option<FieldIssue> {
    if !one_thing.report_is_about_the_applicant() {
        return None;
    }
    let element = catalog::APPLICANT_ID_NUMBER;
    let given = form
        .get(element)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())?;
    let message = match own_id_number {
        Some(own) if given.eq_ignore_ascii_case(own.trim()) => return None,
        Some(_) => "只能查询本人的报告：公民身份号码应为申请人本人的",
        None => "只能查询本人的报告：账号未登记公民身份号码，请先完成实名认证",
    };
    Some(FieldIssue {
        field: element.to_owned(),
        code: "REPORT_NOT_OWN".into(),
        message: message.into(),
    })
}

/// The walk-in's name and ID number, or the issues with them.
fn walk_in_person(
    walk_in: &WalkIn,
    today: chrono::NaiveDate,
    issues: &mut Vec<FieldIssue>,
) -> Option<(String, ids::IdNumber)> {
    let name = ids::text::normalize(&walk_in.name, false).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 50 {
        issues.push(FieldIssue {
            field: "applicant.name".into(),
            code: "FIELD_REQUIRED".into(),
            message: "办事群众姓名：请填写（最多 50 个字）".into(),
        });
    }
    match ids::IdNumber::parse_on(walk_in.id_number.trim(), today) {
        Ok(id_number) if !name.is_empty() => Some((name, id_number)),
        Ok(_) => None,
        Err(error) => {
            issues.push(FieldIssue {
                field: "applicant.id_number".into(),
                code: error.code().into(),
                message: format!("办事群众公民身份号码：{error}"),
            });
            None
        }
    }
}

/// The account a window submission belongs to: the person's own when they have one
/// (their name must match it), else a new one they can activate later.
async fn applicant_for(
    state: &AppState,
    name: &str,
    id_number: &ids::IdNumber,
) -> store::Result<Result<String, FieldIssue>> {
    if let Some(existing) = state.store.account_by_id_number(id_number.as_str()).await? {
        let plain = |text: &str| text.split_whitespace().collect::<String>();
        if plain(&existing.display_name) != plain(name) {
            return Ok(Err(FieldIssue {
                field: "applicant.name".into(),
                code: "FIELD_NAME_MISMATCH".into(),
                message: "办事群众姓名与该公民身份号码登记的姓名不一致，请核对居民身份证".into(),
            }));
        }
        return Ok(Ok(existing.id));
    }
    let account = Account {
        id: format!("applicant-{id_number}"),
        username: id_number.to_string(),
        display_name: name.to_owned(),
        role: Role::Applicant,
        department: None,
        id_number: Some(id_number.to_string()),
        // Not a PHC string: no password verifies until the person activates the account.
        password_hash: "!window".to_owned(),
    };
    state.store.put_account(&account).await?;
    Ok(Ok(account.id))
}

/// A new case number: YJS, the date in Beijing, and 8 random characters without
/// the ones people misread (0/O, 1/I).
pub fn new_case_id(state: &AppState) -> Result<CaseId, ApiError> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    let suffix: String = (0..8)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    let date = cases::china_date(state.now()).format("%Y%m%d");
    CaseId::parse(&format!("YJS{date}{suffix}")).map_err(ApiError::internal)
}
