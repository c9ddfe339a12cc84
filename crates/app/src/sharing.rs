//! Shared data (共享数据) at the edge: reading sources (embedded tables or a
//! department's HTTP service), the applicant's consent and prefill, departments'
//! reads within a case, and yes/no questions that reveal no values (可用不可见).
//!
//! Every read, and every refusal, is an access entry in the ledger with the subject
//! whose data it is.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cases::{Case, Consent, Fetched};
use domain::{Account, Role};
use ids::{CreditCode, IdNumber};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sharing::{PrefillPlan, Registry, Source, SubjectKind};
use store::{Prefill, SubjectAccess};

use crate::AppState;
use crate::error::ApiError;

/// How long a department's HTTP service may take to answer.
pub const SOURCE_TIMEOUT: Duration = Duration::from_secs(5);

/// The legal basis recorded for reads the applicant agreed to.
pub const CONSENT_BASIS: &str = "申请人授权同意";

/// The access entry of a read of shared data by `reader` under the applicant's
/// consent, about `subject` (the applicant, or another person the record names).
pub fn consented_read(
    state: &AppState,
    reader: &Account,
    subject: Option<String>,
    elements: String,
    purpose: String,
) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(state, Some(reader), "shared_read", None, elements, purpose),
        subject,
        legal_basis: CONSENT_BASIS.into(),
    }
}

/// The Chinese name of a source, or its code when unknown.
pub fn source_name(state: &AppState, code: &str) -> String {
    if code == sharing::ACCOUNT_SOURCE {
        return "本人实名账户".to_owned();
    }
    state
        .sources
        .source(code)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| code.to_owned())
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("共享数据源“{0}”暂时无法访问，请稍后再试或自行填写")]
    Unavailable(String),
    #[error("共享数据源“{source_name}”返回的数据无法识别：{message}")]
    Mapping { source_name: String, message: String },
    #[error("{0}")]
    Store(#[from] store::StoreError),
}

impl From<FetchError> for ApiError {
    fn from(error: FetchError) -> Self {
        match error {
            FetchError::Store(error) => error.into(),
            FetchError::Unavailable(_) => ApiError::new("E_SOURCE_UNAVAILABLE", error.to_string()),
            FetchError::Mapping { .. } => ApiError::new("E_SOURCE_MAPPING", error.to_string()),
        }
    }
}

/// One subject's record in one source: from the department's HTTP service when the
/// source is connected to one, else from the embedded tables.
pub async fn fetch_record(
    state: &AppState,
    source: &Source,
    subject: &str,
) -> Result<Option<BTreeMap<String, String>>, FetchError> {
    let Some(mapping) = &source.http else {
        return Ok(state
            .store
            .shared_record(&source.code, subject)
            .await?
            .map(|record| record.attributes));
    };
    let unavailable = |error: reqwest::Error| {
        tracing::warn!(source = %source.code, %error, "shared data source unavailable");
        FetchError::Unavailable(source.name.clone())
    };
    let response = state
        .http
        .get(mapping.request_url(subject))
        .timeout(SOURCE_TIMEOUT)
        .send()
        .await
        .map_err(unavailable)?;
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let response = response.error_for_status().map_err(unavailable)?;
    let body: Value = response.json().await.map_err(|error| FetchError::Mapping {
        source_name: source.name.clone(),
        message: format!("不是 JSON：{error}"),
    })?;
    mapping.map_response(&body).map_err(|error| FetchError::Mapping {
        source_name: source.name.clone(),
        message: error.to_string(),
    })
}

/// Pre-loaded records keyed by (source, subject).
type Records = BTreeMap<(String, String), BTreeMap<String, String>>;

async fn load_records(
    state: &AppState,
    sources: &[&str],
    subject: &str,
    records: &mut Records,
) -> Result<(), FetchError> {
    for code in sources {
        let Some(source) = state.sources.source(code) else {
            continue;
        };
        if source.subject != SubjectKind::Person {
            continue;
        }
        if let Some(attributes) = fetch_record(state, source, subject).await? {
            records.insert(((*code).to_owned(), subject.to_owned()), attributes);
        }
    }
    Ok(())
}

/// The values shared data gives for `elements` of the applicant with `id_number`.
/// Returns the values and the (source, subject) pairs that were read, for the ledger.
pub async fn resolve(
    state: &AppState,
    plan: &PrefillPlan,
    id_number: &IdNumber,
    enterprise: Option<&CreditCode>,
) -> Result<Vec<sharing::Prefilled>, FetchError> {
    let mut records = Records::new();
    load_records(state, &plan.sources(), id_number.as_str(), &mut records).await?;
    if let Some(code) = enterprise {
        for source in plan.sources() {
            if let Some(found) = state
                .sources
                .source(source)
                .filter(|s| s.subject == SubjectKind::Enterprise)
                && let Some(attributes) = fetch_record(state, found, code.as_str()).await?
            {
                records.insert((source.to_owned(), code.as_str().to_owned()), attributes);
            }
        }
    }
    if let Some(spouse_source) = &plan.spouse_source
        && let Some(spouse) = records
            .get(&(spouse_source.clone(), id_number.as_str().to_owned()))
            .and_then(|r| r.get(sharing::SPOUSE_ATTRIBUTE))
            .and_then(|text| IdNumber::parse(text.trim()).ok())
    {
        load_records(state, &plan.sources(), spouse.as_str(), &mut records).await?;
    }
    let lookup = |source: &str, subject: &str, attribute: &str| {
        records
            .get(&(source.to_owned(), subject.to_owned()))
            .and_then(|r| r.get(attribute))
            .cloned()
    };
    Ok(sharing::prefill_values(plan, id_number, enterprise, &lookup))
}

/// The enterprise whose registered data an applicant may prefill: only its legal
/// representative (法定代表人), checked against 法人库. A refusal is a ledger entry.
pub async fn enterprise_of(state: &AppState, account: &Account, code: &str) -> Result<CreditCode, ApiError> {
    let code = CreditCode::parse(code.trim()).map_err(|error| {
        ApiError::new("E_CREDIT_CODE_INVALID", format!("统一社会信用代码有误：{error}")).field("enterprise")
    })?;
    let Some(source) = state.sources.serving(SubjectKind::Enterprise, "legal_rep_id_number") else {
        return Err(ApiError::new(
            "E_ENTERPRISE_NOT_FOUND",
            "没有可以核对法定代表人的法人库",
        ));
    };
    let record = fetch_record(state, source, code.as_str()).await?;
    let Some(record) = record else {
        return Err(ApiError::new(
            "E_ENTERPRISE_NOT_FOUND",
            format!("{}中没有统一社会信用代码为 {} 的企业", source.name, code.as_str()),
        )
        .field("enterprise"));
    };
    if record.get("legal_rep_id_number").map(String::as_str) != account.id_number.as_deref() {
        state
            .store
            .record_accesses(&[SubjectAccess {
                entry: crate::access_entry(
                    state,
                    Some(account),
                    "shared_read_refused",
                    None,
                    "enterprise.legal_rep_id_number".into(),
                    format!("拒绝：申请人不是企业 {} 的法定代表人", code.as_str()),
                ),
                subject: Some(account.id.clone()),
                legal_basis: "无".into(),
            }])
            .await?;
        return Err(ApiError::new(
            "E_NOT_LEGAL_REPRESENTATIVE",
            "您不是该企业登记的法定代表人，不能调用其登记信息；请由法定代表人办理，或自行填写",
        )
        .field("enterprise"));
    }
    Ok(code)
}

/// What the consent screen lists: each element with the source it comes from.
#[derive(Clone, Debug, Serialize)]
pub struct OfferRow {
    pub element: String,
    pub element_name: String,
    pub source: String,
    pub source_name: String,
    pub department_name: String,
    pub legal_basis: String,
}

/// The prefill plan for the fields the applicant would type in `plan`.
pub fn prefill_plan(state: &AppState, plan: &catalog::Plan) -> PrefillPlan {
    let elements: Vec<&str> = plan
        .form
        .iter()
        .flat_map(|group| &group.fields)
        .filter(|field| !matches!(field.source, catalog::plan::FieldSource::ProducedBy { .. }))
        .map(|field| field.element.as_str())
        .collect();
    sharing::plan_prefill(&state.sources, &elements)
}

/// The rows of the consent screen. The applicant's own ID number, when they are the
/// mother or the father, comes from their account, not from a source.
pub fn offer(state: &AppState, plan: &PrefillPlan, applicant: Option<&Account>) -> Vec<OfferRow> {
    let sex = applicant
        .and_then(|a| a.id_number.as_deref())
        .and_then(|text| IdNumber::parse(text).ok())
        .map(|id| id.sex());
    plan.fetches
        .iter()
        .map(|fetch| {
            let own = match (fetch.role, sex) {
                (sharing::Role::Mother, Some(ids::Sex::Female)) | (sharing::Role::Father, Some(ids::Sex::Male)) => {
                    fetch.attribute == sharing::SPOUSE_ATTRIBUTE
                }
                _ => false,
            };
            if own {
                return OfferRow {
                    element: fetch.element.clone(),
                    element_name: element_name(state, &fetch.element),
                    source: sharing::ACCOUNT_SOURCE.to_owned(),
                    source_name: source_name(state, sharing::ACCOUNT_SOURCE),
                    department_name: "—".to_owned(),
                    legal_basis: String::new(),
                };
            }
            let source = state.sources.source(&fetch.source);
            OfferRow {
                element: fetch.element.clone(),
                element_name: element_name(state, &fetch.element),
                source: fetch.source.clone(),
                source_name: source_name(state, &fetch.source),
                department_name: source
                    .map(|s| state.catalog.department_name(&s.department).to_owned())
                    .unwrap_or_default(),
                legal_basis: source.map(|s| s.legal_basis.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

fn element_name(state: &AppState, element: &str) -> String {
    state
        .catalog
        .elements
        .get(element)
        .map(|e| e.name.clone())
        .unwrap_or_else(|| element.to_owned())
}

/// What a stored prefill holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PrefillDoc {
    /// element -> fetched value with its source.
    pub values: BTreeMap<String, PrefillValue>,
    pub sources: Vec<String>,
    pub elements: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrefillValue {
    pub value: String,
    pub source: String,
    pub department: String,
}

impl PrefillDoc {
    pub fn fetched(&self) -> BTreeMap<String, Fetched> {
        self.values
            .iter()
            .map(|(element, v)| {
                (
                    element.clone(),
                    Fetched {
                        value: v.value.clone(),
                        source: v.source.clone(),
                        department: v.department.clone(),
                    },
                )
            })
            .collect()
    }
}

/// The applicant agreed: reads the sources (only those in `only`, when given),
/// stores the prefill with one access entry per (source, subject) read, and returns
/// its id and values. The prefill's sources are the consent a case carries.
pub async fn run_prefill(
    state: &AppState,
    account: &Account,
    one_thing: &catalog::OneThing,
    plan: &catalog::Plan,
    enterprise: Option<&str>,
    only: Option<&[String]>,
) -> Result<(String, PrefillDoc), ApiError> {
    let id_number = account
        .id_number
        .as_deref()
        .and_then(|text| IdNumber::parse(text).ok())
        .ok_or_else(|| {
            ApiError::new(
                "E_NO_ID_NUMBER",
                "账户未实名认证（缺少公民身份号码），不能从共享数据预填，请自行填写",
            )
        })?;
    let mut prefill_plan = prefill_plan(state, plan);
    if let Some(only) = only {
        let offered: BTreeSet<&str> = prefill_plan.sources().into_iter().collect();
        if let Some(unknown) = only.iter().find(|code| !offered.contains(code.as_str())) {
            return Err(ApiError::new(
                "E_SOURCE_NOT_OFFERED",
                format!("“{}”不是本次可授权的数据源", truncate(unknown)),
            )
            .field("sources"));
        }
        let allowed: BTreeSet<&str> = only.iter().map(String::as_str).collect();
        prefill_plan
            .fetches
            .retain(|fetch| allowed.contains(fetch.source.as_str()));
        if prefill_plan
            .spouse_source
            .as_deref()
            .is_some_and(|spouse| !allowed.contains(spouse))
        {
            // Without the marriage record the other parent is not known: nothing of
            // theirs is read.
            prefill_plan.spouse_source = None;
            prefill_plan.needs_spouse = false;
        }
    }
    let enterprise = match enterprise.filter(|code| !code.trim().is_empty()) {
        Some(code) if needs_enterprise(&prefill_plan) => Some(enterprise_of(state, account, code).await?),
        _ => None,
    };
    let mut values = resolve(state, &prefill_plan, &id_number, enterprise.as_ref()).await?;
    // The credit code itself, confirmed by 法人库.
    if let Some(code) = &enterprise
        && plan
            .form
            .iter()
            .flat_map(|g| &g.fields)
            .any(|f| f.element == "enterprise.uscc")
        && let Some(source) = state.sources.serving(SubjectKind::Enterprise, "name")
    {
        values.push(sharing::Prefilled {
            element: "enterprise.uscc".into(),
            value: code.as_str().to_owned(),
            source: source.code.clone(),
            subject: code.as_str().to_owned(),
        });
    }
    let now = state.now();
    let mut doc = PrefillDoc {
        sources: prefill_plan.sources().iter().map(|s| (*s).to_owned()).collect(),
        elements: prefill_plan.fetches.iter().map(|f| f.element.clone()).collect(),
        ..PrefillDoc::default()
    };
    // One access entry per (source, subject): whose data, which elements.
    let mut reads: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for value in &values {
        let department = state
            .sources
            .source(&value.source)
            .map(|s| s.department.clone())
            .unwrap_or_default();
        doc.values.insert(
            value.element.clone(),
            PrefillValue {
                value: value.value.clone(),
                source: value.source.clone(),
                department,
            },
        );
        if value.source != sharing::ACCOUNT_SOURCE {
            reads
                .entry((value.source.clone(), value.subject.clone()))
                .or_default()
                .push(value.element.clone());
        }
    }
    let mut accesses = Vec::new();
    for ((source, subject), elements) in reads {
        let subject_account =
            if subject == id_number.as_str() || enterprise.as_ref().is_some_and(|c| c.as_str() == subject) {
                Some(account.id.clone())
            } else {
                state.store.account_by_id_number(&subject).await?.map(|a| a.id)
            };
        accesses.push(consented_read(
            state,
            account,
            subject_account.clone(),
            elements.join(","),
            format!(
                "{}：经申请人授权从{}预填表单",
                one_thing.name,
                source_name(state, &source)
            ),
        ));
        // A record of the applicant that names someone else (the spouse's ID number in
        // the marriage record) is also a read of that person's data: they see it too.
        let read: Vec<&str> = elements.iter().map(String::as_str).collect();
        let value_of = |element: &str| doc.values.get(element).map(|v| v.value.clone());
        for (other, theirs) in crate::others_in(&read, value_of, Some(id_number.as_str())) {
            let Some(person) = state.store.account_by_id_number(&other).await? else {
                continue;
            };
            if Some(&person.id) == subject_account.as_ref() || person.id == account.id {
                continue;
            }
            accesses.push(consented_read(
                state,
                account,
                Some(person.id),
                theirs.join(","),
                format!(
                    "{}：经申请人授权从{}预填表单（其中有关您的信息）",
                    one_thing.name,
                    source_name(state, &source)
                ),
            ));
        }
    }
    let id = format!("PF-{:016x}", rand::random::<u64>());
    let stored = Prefill {
        id: id.clone(),
        account_id: account.id.clone(),
        one_thing: one_thing.id.to_string(),
        doc: serde_json::to_string(&doc).map_err(ApiError::internal)?,
        created_at: now,
    };
    state.store.put_prefill(&stored, &accesses).await?;
    Ok((id, doc))
}

/// Whether a prefill plan reads an enterprise's records (the consent screen then asks
/// for its credit code).
pub fn needs_enterprise(plan: &PrefillPlan) -> bool {
    plan.fetches.iter().any(|f| f.role == sharing::Role::Enterprise)
}

/// A stored prefill of this account for this one-thing, with its consent.
pub async fn load_prefill(
    state: &AppState,
    account: &Account,
    one_thing: &str,
    id: &str,
) -> Result<Option<(PrefillDoc, Consent)>, ApiError> {
    if id.is_empty() || id.len() > 40 {
        return Ok(None);
    }
    let Some(prefill) = state.store.prefill(id).await? else {
        return Ok(None);
    };
    if prefill.account_id != account.id || prefill.one_thing != one_thing {
        return Ok(None);
    }
    let doc: PrefillDoc = serde_json::from_str(&prefill.doc).map_err(ApiError::internal)?;
    let consent = Consent {
        prefill: prefill.id,
        sources: doc.sources.clone(),
        elements: doc.elements.clone(),
        at: prefill.created_at,
    };
    Ok(Some((doc, consent)))
}

/// Where in an application a plan is computed, for what the applicant brings to it.
#[derive(Clone, Copy, Debug)]
pub enum Stage<'a> {
    /// The notice (一次告知), before consent is asked: materials departments can
    /// obtain are 免提交 on condition of consent; `offered` also shows, for a
    /// logged-in applicant, the fields shared data could fill.
    Notice { offered: bool },
    /// The form or the submission: with the consented prefill, or without one (the
    /// applicant declined, or a walk-in at the window), when they hand everything in.
    Application(Option<&'a PrefillDoc>),
}

/// What an applicant brings to a plan: the valid e-certificates they hold (免证办),
/// the elements shared data gives them — those a consented prefill fetched, or at
/// the notice with `offered` those it could fetch — and their consent to shared
/// data. Anyone but an applicant brings no certificates or elements. The one place
/// the API and the pages decide it.
pub async fn holdings(
    state: &AppState,
    account: Option<&Account>,
    stage: Stage<'_>,
) -> Result<catalog::Holdings, store::StoreError> {
    let (prefill, offered) = match stage {
        Stage::Notice { offered } => (None, offered),
        Stage::Application(prefill) => (prefill, false),
    };
    let mut holdings = catalog::Holdings {
        consent: match stage {
            Stage::Notice { .. } => catalog::SharedConsent::NotAsked,
            Stage::Application(Some(_)) => catalog::SharedConsent::Given,
            Stage::Application(None) => catalog::SharedConsent::Declined,
        },
        ..catalog::Holdings::default()
    };
    let Some(account) = account.filter(|a| a.role == Role::Applicant) else {
        return Ok(holdings);
    };
    if let Some(id_number) = &account.id_number {
        holdings
            .certificates
            .extend(crate::certify::held_types(state, id_number).await?);
    }
    if let Some(doc) = prefill {
        holdings.elements.extend(doc.values.keys().cloned());
    } else if offered {
        holdings.elements.extend(available_elements(state, account));
    }
    Ok(holdings)
}

/// The elements shared data could give an applicant with an ID number, once they
/// consent: what the notice shows as "from shared data". Decided from the registry
/// alone: nothing is read before consent.
pub fn available_elements(state: &AppState, account: &Account) -> BTreeSet<String> {
    if !can_prefill(account) {
        return BTreeSet::new();
    }
    let elements: Vec<&str> = state.catalog.elements.keys().map(String::as_str).collect();
    sharing::plan_prefill(&state.sources, &elements)
        .fetches
        .into_iter()
        .map(|f| f.element)
        .collect()
}

// ---------------------------------------------------------------- departments

/// A department's request within a case: reads the case, and checks the department
/// holds a task of `item` in it. A refusal is written to the ledger before it is
/// returned. Cases the department has no task in answer "not found".
async fn department_scope(
    state: &AppState,
    caller: &Account,
    case_id: &str,
    item: &str,
    action: &str,
    elements: &[String],
) -> Result<(Case, catalog::Item), ApiError> {
    let Some(department) = crate::access::staff_department(caller).map(str::to_owned) else {
        return Err(ApiError::forbidden("只有部门工作人员和部门系统可以调用共享数据"));
    };
    let id = cases::CaseId::parse(case_id).map_err(|_| ApiError::case_not_found())?;
    let case = state
        .store
        .load_case(&id)
        .await?
        .ok_or_else(ApiError::case_not_found)?
        .case;
    let refuse = |reason: String| refusal(state, caller, &case, action, elements.join(","), reason);
    let task = case.tasks_of_department(&department).find(|t| t.item.as_str() == item);
    let Some(task) = task else {
        let reason = format!("拒绝：本部门在办件中没有事项“{}”", truncate(item));
        state.store.record_accesses(&[refuse(reason)]).await?;
        return Err(ApiError::case_not_found());
    };
    let Some(catalog_item) = state.catalog.items.get(&task.item).cloned() else {
        return Err(ApiError::internal("item missing from catalog"));
    };
    let not_needed: Vec<&String> = elements.iter().filter(|e| !catalog_item.fields.contains(e)).collect();
    if !not_needed.is_empty() {
        let list = not_needed.iter().map(|e| truncate(e)).collect::<Vec<_>>().join("、");
        state
            .store
            .record_accesses(&[refuse(format!("拒绝：事项不需要数据项 {list}"))])
            .await?;
        return Err(ApiError::new(
            "E_ELEMENT_NOT_NEEDED",
            format!("事项“{}”不需要这些数据项，不能调用：{list}", catalog_item.name),
        )
        .field("elements"));
    }
    let consented = case.consent.is_some();
    if !consented {
        state
            .store
            .record_accesses(&[refuse("拒绝：申请人未授权使用共享数据".into())])
            .await?;
        return Err(ApiError::new(
            "E_NO_CONSENT",
            "申请人没有授权使用共享数据，请使用申请人提交的材料",
        ));
    }
    Ok((case, catalog_item))
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedReadRequest {
    pub elements: Vec<String>,
}

/// `POST /api/v1/cases/{id}/tasks/{item}/shared-data`: a department reads the
/// elements its item needs, for a case it holds a task of, within the consent.
pub async fn read_shared(
    state: &AppState,
    caller: &Account,
    id: &str,
    item: &str,
    request: SharedReadRequest,
) -> Result<Value, ApiError> {
    if request.elements.is_empty() || request.elements.len() > 50 {
        return Err(ApiError::new("E_ELEMENTS_INVALID", "请列出 1 到 50 个要调用的数据项").field("elements"));
    }
    let (case, catalog_item) = department_scope(state, caller, id, item, "shared_read", &request.elements).await?;
    let applicant = state.store.account_by_id(&case.applicant).await?;
    let Some(id_number) = applicant
        .as_ref()
        .and_then(|a| a.id_number.as_deref())
        .and_then(|t| IdNumber::parse(t).ok())
    else {
        return Err(ApiError::new(
            "E_APPLICANT_NO_ID_NUMBER",
            "申请人账户没有公民身份号码，无法调用共享数据",
        ));
    };
    let elements: Vec<&str> = request.elements.iter().map(String::as_str).collect();
    let mut plan = sharing::plan_prefill(&state.sources, &elements);
    // The marriage record is needed only to find the other parent: not when every
    // parent element asked for is the applicant's own.
    let own = match id_number.sex() {
        ids::Sex::Female => "mother.",
        ids::Sex::Male => "father.",
    };
    let other_parent = elements
        .iter()
        .any(|e| (e.starts_with("mother.") || e.starts_with("father.")) && !e.starts_with(own));
    if !other_parent {
        plan.spouse_source = None;
        plan.needs_spouse = false;
    }
    let consent_sources: BTreeSet<&str> = case
        .consent
        .iter()
        .flat_map(|c| c.sources.iter().map(String::as_str))
        .collect();
    let outside: Vec<&str> = plan
        .sources()
        .into_iter()
        .filter(|s| !consent_sources.contains(s))
        .collect();
    if !outside.is_empty() {
        let names: Vec<String> = outside.iter().map(|s| source_name(state, s)).collect();
        state
            .store
            .record_accesses(&[refusal(
                state,
                caller,
                &case,
                "shared_read",
                request.elements.join(","),
                format!("拒绝：申请人未授权 {}", names.join("、")),
            )])
            .await?;
        return Err(ApiError::new(
            "E_NO_CONSENT",
            format!("申请人没有授权调用：{}", names.join("、")),
        ));
    }
    let enterprise = case
        .form
        .get("enterprise.uscc")
        .and_then(|v| CreditCode::parse(&v.value).ok());
    let values = resolve(state, &plan, &id_number, enterprise.as_ref()).await?;
    let mut by_element = serde_json::Map::new();
    for value in &values {
        by_element.insert(
            value.element.clone(),
            json!({ "value": value.value, "source": value.source, "source_name": source_name(state, &value.source) }),
        );
    }
    let read: Vec<String> = values.iter().map(|v| v.element.clone()).collect();
    state
        .store
        .record_accesses(&[SubjectAccess {
            entry: crate::access_entry(
                state,
                Some(caller),
                "shared_read",
                Some(case.id.to_string()),
                read.join(","),
                format!("办理“{}”", catalog_item.name),
            ),
            subject: Some(case.applicant.clone()),
            legal_basis: format!("{CONSENT_BASIS}；依申请办理本部门事项"),
        }])
        .await?;
    let missing: Vec<&String> = request.elements.iter().filter(|e| !read.contains(e)).collect();
    Ok(json!({
        "case_id": case.id,
        "values": by_element,
        "unavailable": missing,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    /// The id of a check the item declares (`GET …/shared-checks` lists them).
    #[serde(default)]
    pub check: Option<String>,
    /// Free-form expressions are not answered (a declared check is); the field is
    /// accepted only to be refused and recorded.
    #[serde(default)]
    pub expression: Option<String>,
}

/// `POST /api/v1/cases/{id}/tasks/{item}/shared-question`: 可用不可见. The department
/// names one of the checks its item declares and gets only true or false, once per
/// case; the question and the answer go to the ledger.
pub async fn ask_question(
    state: &AppState,
    caller: &Account,
    id: &str,
    item: &str,
    request: QuestionRequest,
) -> Result<Answer, ApiError> {
    let asked = match (&request.check, &request.expression) {
        (Some(check), None) => check.as_str(),
        (None, Some(expression)) => {
            refuse_undeclared(state, caller, id, item, &format!("自由表达式 {}", truncate(expression))).await?;
            return Err(ApiError::new(
                "E_CHECK_NOT_DECLARED",
                "只能从本事项声明的核验中选择（check），不接受自由表达式",
            )
            .field("expression"));
        }
        _ => {
            return Err(ApiError::new("E_CHECK_REQUIRED", "请用 check 指定本事项声明的一个核验").field("check"));
        }
    };
    answer_check(state, caller, id, item, asked).await
}

/// `GET /api/v1/cases/{id}/tasks/{item}/shared-checks`: the checks the item declares,
/// each with its answer if it was asked for this case.
pub async fn list_checks(state: &AppState, caller: &Account, id: &str, item: &str) -> Result<Value, ApiError> {
    let (case, catalog_item) = department_scope(state, caller, id, item, "list_checks", &[]).await?;
    let asked = state.store.checks_of_case(case.id.as_str()).await?;
    let checks: Vec<Value> = catalog_item
        .checks
        .iter()
        .map(|check| {
            let answered = asked.iter().find(|a| a.item == item && a.check == check.id);
            json!({
                "check": check.id,
                "question": check.name,
                "reads": check.reads,
                "legal_basis": check.legal_basis,
                "answer": answered.map(|a| a.answer),
                "asked_at": answered.map(|a| a.asked_at),
            })
        })
        .collect();
    Ok(json!({ "case_id": case.id, "item": item, "checks": checks }))
}

/// The declared checks asked for `case` so far, with their answers. Part of a
/// read of the case's task, which records it.
pub async fn asked_checks(state: &AppState, case: &Case) -> Result<Vec<store::AskedCheck>, ApiError> {
    Ok(state.store.checks_of_case(case.id.as_str()).await?)
}

/// Records a refused question (not declared) about the applicant of a case the
/// department holds a task of; answers nothing.
async fn refuse_undeclared(
    state: &AppState,
    caller: &Account,
    id: &str,
    item: &str,
    what: &str,
) -> Result<(), ApiError> {
    let (case, _) = department_scope(state, caller, id, item, "shared_question", &[]).await?;
    state
        .store
        .record_accesses(&[refusal(
            state,
            caller,
            &case,
            "shared_question",
            String::new(),
            format!("拒绝：未声明的核验（{what}）"),
        )])
        .await?;
    Ok(())
}

/// The answer to a declared yes/no check, and what it was about.
#[derive(Debug, Serialize)]
pub struct Answer {
    pub case_id: String,
    pub check: String,
    /// The question in plain Chinese.
    pub question: String,
    pub answer: bool,
    pub sources: Vec<String>,
}

/// Answers one of the checks a department's item declares, about the applicant of a
/// case it holds that task of, within the consent, at most once per case and task;
/// the question and the answer go to the ledger, worded for the applicant. The one
/// place the API and the workbench share.
pub async fn answer_check(
    state: &AppState,
    caller: &Account,
    id: &str,
    item: &str,
    check_id: &str,
) -> Result<Answer, ApiError> {
    let (case, catalog_item) = department_scope(state, caller, id, item, "shared_question", &[]).await?;
    let Some(check) = catalog_item.checks.iter().find(|c| c.id == check_id).cloned() else {
        refuse_undeclared(state, caller, id, item, &format!("“{}”", truncate(check_id))).await?;
        return Err(ApiError::new(
            "E_CHECK_NOT_DECLARED",
            format!("事项“{}”没有声明核验“{}”", catalog_item.name, truncate(check_id)),
        )
        .field("check"));
    };
    if let Some(earlier) = state
        .store
        .checks_of_case(case.id.as_str())
        .await?
        .into_iter()
        .find(|a| a.item == item && a.check == check.id)
    {
        return Err(already_asked(&check, &earlier));
    }
    let predicate = sharing::Predicate::compile(&check.expression, &state.sources, SubjectKind::Person)
        .map_err(|error| ApiError::internal(format!("declared check {} does not compile: {error}", check.id)))?;
    let applicant = state.store.account_by_id(&case.applicant).await?;
    let Some(id_number) = applicant.and_then(|a| a.id_number) else {
        return Err(ApiError::new(
            "E_APPLICANT_NO_ID_NUMBER",
            "申请人账户没有公民身份号码，无法核验",
        ));
    };
    let department_name = state.catalog.department_name(&catalog_item.department).to_owned();
    let sources = predicate.sources(&state.sources);
    let consent_sources: BTreeSet<&String> = case.consent.iter().flat_map(|c| c.sources.iter()).collect();
    if let Some(outside) = sources.iter().find(|s| !consent_sources.contains(s)) {
        let name = source_name(state, outside);
        state
            .store
            .record_accesses(&[refusal(
                state,
                caller,
                &case,
                "shared_question",
                String::new(),
                format!("拒绝：申请人未授权 {name}；{department_name}核验：{}", check.name),
            )])
            .await?;
        return Err(ApiError::new("E_NO_CONSENT", format!("申请人没有授权调用：{name}")));
    }
    let mut values = BTreeMap::new();
    for code in &sources {
        if let Some(source) = state.sources.source(code)
            && let Some(record) = fetch_record(state, source, &id_number).await?
        {
            for attribute in predicate.attributes() {
                if let Some(value) = record.get(attribute) {
                    values.insert(attribute.clone(), value.clone());
                }
            }
        }
    }
    let today = cases::china_date(state.now());
    let answer = predicate.evaluate(&values, today).map_err(|error| {
        let mut api = ApiError::new("E_CHECK_UNANSWERABLE", error.to_string()).field("check");
        // The predicate's own code says why (no data, data of the wrong kind...).
        api.details.push(cases::FieldIssue {
            field: "check".into(),
            code: error.code().into(),
            message: error.to_string(),
        });
        api
    })?;
    let asked = store::AskedCheck {
        case_id: case.id.to_string(),
        item: item.to_owned(),
        check: check.id.clone(),
        answer,
        asked_at: state.now(),
        asked_by: caller.id.clone(),
    };
    let access = SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(caller),
            "shared_question",
            Some(case.id.to_string()),
            predicate.attributes().join(","),
            format!(
                "{department_name}核验：{} → {}（办理“{}”，可用不可见，只返回是或否）",
                check.name,
                if answer { "是" } else { "否" },
                catalog_item.name
            ),
        ),
        subject: Some(case.applicant.clone()),
        legal_basis: format!("{}；{CONSENT_BASIS}", check.legal_basis),
    };
    if !state.store.record_check(&asked, &access).await? {
        // Asked at the same moment from elsewhere: that answer stands.
        if let Some(earlier) = state
            .store
            .checks_of_case(case.id.as_str())
            .await?
            .into_iter()
            .find(|a| a.item == item && a.check == check.id)
        {
            return Err(already_asked(&check, &earlier));
        }
        return Err(ApiError::internal("check neither recorded nor found"));
    }
    Ok(Answer {
        case_id: case.id.to_string(),
        check: check.id,
        question: check.name,
        answer,
        sources,
    })
}

fn already_asked(check: &catalog::Check, earlier: &store::AskedCheck) -> ApiError {
    ApiError::new(
        "E_CHECK_ALREADY_ASKED",
        format!(
            "“{}”已于 {} 核验过，结果：{}；每个办件只核验一次",
            check.name,
            crate::local_time(earlier.asked_at),
            if earlier.answer { "是" } else { "否" }
        ),
    )
    .field("check")
}

/// A refused read or question about the applicant of `case`, for the ledger: who,
/// what was refused (`action`_refused), which elements, and why. It has no legal basis.
fn refusal(
    state: &AppState,
    user: &Account,
    case: &Case,
    action: &str,
    elements: String,
    reason: String,
) -> SubjectAccess {
    SubjectAccess {
        entry: crate::access_entry(
            state,
            Some(user),
            &format!("{action}_refused"),
            Some(case.id.to_string()),
            elements,
            reason,
        ),
        subject: Some(case.applicant.clone()),
        legal_basis: "无".into(),
    }
}

/// Whether an account may use shared data for itself (a person with an ID number).
pub fn can_prefill(account: &Account) -> bool {
    account.role == Role::Applicant && account.id_number.is_some()
}

/// Loads the registry from a file's text; every problem is reported.
pub fn load_registry(path: &str, text: &str, catalog: &catalog::Catalog) -> Result<Registry, Vec<String>> {
    let registry =
        Registry::load(path, text).map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let mut problems: Vec<String> = registry
        .sources()
        .iter()
        .filter(|s| !catalog.departments.contains_key(&s.department))
        .map(|s| format!("{path}: 数据源“{}”的部门“{}”不在目录中", s.code, s.department))
        .collect();
    problems.extend(check_declared_checks(&registry, catalog));
    problems.extend(check_policy_reads(&registry, catalog));
    if problems.is_empty() {
        Ok(registry)
    } else {
        Err(problems)
    }
}

/// Every attribute a benefit policy reads is served by a source for its target
/// (一数一源), so that its evaluation reads only declared, sourced data.
fn check_policy_reads(registry: &Registry, catalog: &catalog::Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    for policy in catalog.policies.values() {
        let kind = match policy.target {
            catalog::PolicyTarget::Person => SubjectKind::Person,
            catalog::PolicyTarget::Enterprise => SubjectKind::Enterprise,
        };
        for attribute in &policy.reads {
            if registry.serving(kind, attribute).is_none() {
                problems.push(format!(
                    "{}:{} [reads]: 政策“{}”读取的“{attribute}”没有共享数据源提供（{}，见 sources.toml）",
                    policy.file,
                    policy.reads_line,
                    policy.name,
                    kind.label_zh()
                ));
            }
        }
    }
    problems
}

/// Every declared check (可用不可见) compiles against the sources and reads exactly
/// the attributes it declares.
fn check_declared_checks(registry: &Registry, catalog: &catalog::Catalog) -> Vec<String> {
    let mut problems = Vec::new();
    for item in catalog.items.values() {
        for check in &item.checks {
            let at = format!("items/{}.toml: 核验“{}”", item.code, check.id);
            match sharing::Predicate::compile(&check.expression, registry, SubjectKind::Person) {
                Err(error) => problems.push(format!("{at}的表达式无效：{error}")),
                Ok(predicate) => {
                    let reads: BTreeSet<&str> = check.reads.iter().map(String::as_str).collect();
                    let actual: BTreeSet<&str> = predicate.attributes().iter().map(String::as_str).collect();
                    if predicate.reads_key() {
                        problems.push(format!("{at}读取了公民身份号码本身，核验不能以身份号码为条件"));
                    }
                    for missing in actual.difference(&reads) {
                        problems.push(format!("{at}读取了“{missing}”，但 reads 中没有列出"));
                    }
                    for extra in reads.difference(&actual) {
                        problems.push(format!("{at}的 reads 列出了“{extra}”，但表达式并不读取"));
                    }
                }
            }
        }
    }
    problems
}
