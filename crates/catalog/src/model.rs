//! The checked catalog. Every reference in these types has been resolved by
//! [`Catalog::load`], so code that walks them may index the catalog's maps freely.

use std::collections::BTreeMap;

use ids::{ItemCode, OneThingId};
use serde::Serialize;

use crate::condition::Condition;

/// A department (部门), e.g. `GA` 公安局.
#[derive(Clone, Debug, Serialize)]
pub struct Department {
    pub code: String,
    pub name: String,
    /// How a person reaches it (hotline, counter), for answers the catalog cannot
    /// give; `None` when the catalog does not say.
    pub contact: Option<String>,
}

/// Sensitivity level of a data element, which decides masking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Sensitivity {
    #[serde(rename = "公开")]
    Public,
    #[serde(rename = "内部")]
    Internal,
    #[serde(rename = "敏感")]
    Sensitive,
    #[serde(rename = "高敏")]
    HighlySensitive,
}

impl Sensitivity {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "公开" => Self::Public,
            "内部" => Self::Internal,
            "敏感" => Self::Sensitive,
            "高敏" => Self::HighlySensitive,
            _ => return None,
        })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Public => "公开",
            Self::Internal => "内部",
            Self::Sensitive => "敏感",
            Self::HighlySensitive => "高敏",
        }
    }
}

/// The value type of a data element; it decides the form control and validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "options")]
pub enum ElementType {
    Text,
    Date,
    Integer,
    Money,
    Boolean,
    Phone,
    IdNumber,
    CreditCode,
    Choice(Vec<String>),
}

impl ElementType {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Date => "date",
            Self::Integer => "integer",
            Self::Money => "money",
            Self::Boolean => "boolean",
            Self::Phone => "phone",
            Self::IdNumber => "id_number",
            Self::CreditCode => "credit_code",
            Self::Choice(_) => "choice",
        }
    }
}

/// A data element (数据元): one standard field, defined once, shared by every item.
#[derive(Clone, Debug, Serialize)]
pub struct DataElement {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub element_type: ElementType,
    pub max_length: Option<usize>,
    pub sensitivity: Sensitivity,
    /// The authoritative source department (一数一源).
    pub source: String,
    /// The section of the merged form the field appears in.
    pub group: String,
    /// For a 变更后 (new value) element: the registered element whose value it
    /// replaces, e.g. `enterprise.new_name` changes `enterprise.name`. The form asks
    /// for it beside the registered (变更前) value, and staff see both.
    pub changes: Option<String>,
}

/// An e-certificate type (电子证照类型).
#[derive(Clone, Debug, Serialize)]
pub struct CertificateType {
    pub code: String,
    pub name: String,
    pub issuer: String,
    /// The data elements printed on it (照面信息): an issued certificate carries
    /// these and nothing else of the case.
    pub surface: Vec<String>,
}

/// How a material can be provided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MaterialKind {
    /// The applicant hands it in.
    Upload,
    /// Replaced by an e-certificate of this type when one is held or issued earlier.
    Certificate { certificate: String },
    /// Replaced by shared data when every element is available.
    SharedData { elements: Vec<String> },
    /// A commitment letter (告知承诺书), signed online.
    Commitment,
}

impl MaterialKind {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::Upload => "上传材料",
            Self::Certificate { .. } => "电子证照",
            Self::SharedData { .. } => "共享数据",
            Self::Commitment => "告知承诺",
        }
    }
}

/// Evidence trust level (国办函〔2016〕108号).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TrustLevel {
    A,
    B,
    C,
    D,
}

impl TrustLevel {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "A" => Self::A,
            "B" => Self::B,
            "C" => Self::C,
            "D" => Self::D,
            _ => return None,
        })
    }
}

/// A material (申请材料), defined once and shared by the items that ask for it.
#[derive(Clone, Debug, Serialize)]
pub struct Material {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub kind: MaterialKind,
    pub trust: TrustLevel,
}

/// What an item produces when it is done.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outputs {
    pub certificate: Option<String>,
    pub elements: Vec<String>,
}

/// A service item (事项): one department's procedure.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub code: ItemCode,
    pub name: String,
    pub department: String,
    pub kind: String,
    pub legal_limit_days: u32,
    pub promised_limit_days: u32,
    /// On-site visits when the item is done alone (单独办理跑动次数).
    pub visits_alone: u32,
    /// Steps when the item is done alone, 受理 and 办结 included.
    pub steps: u32,
    pub fields: Vec<String>,
    pub materials: Vec<String>,
    pub outputs: Outputs,
    /// The yes/no checks (可用不可见) this item's department may ask about the
    /// applicant's shared data, each at most once per case: the only questions there are.
    pub checks: Vec<Check>,
}

/// A declared yes/no check about the applicant's shared data (可用不可见核验): the
/// department learns the answer, never the data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Lower snake case, unique within the item.
    pub id: String,
    /// The question in plain Chinese, as staff and the applicant read it,
    /// e.g. “申请人是否年满18周岁”.
    pub name: String,
    /// The CEL predicate over shared-data attributes, e.g. `age >= 18`.
    pub expression: String,
    /// The shared-data attributes it reads (`age` reads `birth_date`); checked
    /// against the expression when the sources are loaded.
    pub reads: Vec<String>,
    /// Why the department may ask (法律依据).
    pub legal_basis: String,
}

/// National key list or local featured list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ListLevel {
    #[serde(rename = "国家重点")]
    NationalKey,
    #[serde(rename = "地方特色")]
    LocalFeatured,
}

impl ListLevel {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NationalKey => "国家重点",
            Self::LocalFeatured => "地方特色",
        }
    }
}

/// One option of a situation question.
#[derive(Clone, Debug, Serialize)]
pub struct QuestionOption {
    pub value: String,
    pub label: String,
}

/// A situation question (情形引导).
#[derive(Clone, Debug, Serialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub options: Vec<QuestionOption>,
    /// Asked only when this holds over the answers to earlier questions (a
    /// question not asked counts as unanswered: `''`). `None`: always asked.
    pub when: Option<crate::Condition>,
}

impl Question {
    pub fn option(&self, value: &str) -> Option<&QuestionOption> {
        self.options.iter().find(|option| option.value == value)
    }
}

/// A member item of a one-thing.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub item: ItemCode,
    /// When the item applies; `None` means always.
    pub when: Option<Condition>,
    /// Members that must be done first.
    pub after: Vec<ItemCode>,
}

/// A material asked for only in some situations.
#[derive(Clone, Debug, Serialize)]
pub struct MaterialRule {
    pub material: String,
    pub when: Condition,
}

/// A form field asked for only in some situations: when the condition is false
/// the field is not asked, not required, not shown and not accepted.
#[derive(Clone, Debug, Serialize)]
pub struct FieldRule {
    pub element: String,
    pub when: Condition,
}

/// The data element holding the applicant's own ID number (申请人公民身份号码). It is
/// the subject of every report a person asks for: a person receives their own report
/// only (征信业管理条例 第十八条 asks for the subject's written authorization otherwise,
/// which no one-thing takes), so the catalog refuses a person's report about any
/// other element and the application refuses a value other than the applicant's own.
pub const APPLICANT_ID_NUMBER: &str = "person.id_number";

/// How a report one-thing (报告类一件事) is shaped: what the applicant receives is one
/// document about one subject, assembled by the lead from the sections its members'
/// departments answer (“无违法违规记录”, or the records found), instead of a permit or a
/// registration. Checked by [`Catalog::load`]: the document is the lead's certificate
/// type, issued by exactly one member of the lead's that always applies and comes after
/// every other member (the sections); every member asks for the subject; the period is
/// a question of the one-thing; a person's report is about [`APPLICANT_ID_NUMBER`].
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The certificate type of the one document, e.g. `listing_compliance_report`.
    pub document: String,
    /// The data element naming whom the report is about, e.g. `enterprise.uscc`.
    pub subject: String,
    /// The question whose answer is the period the sections cover (近三年…), if any.
    pub period: Option<String>,
}

/// A one-thing (一件事): items of several departments composed into one service.
#[derive(Clone, Debug, Serialize)]
pub struct OneThing {
    pub id: OneThingId,
    pub name: String,
    pub lead: String,
    pub level: ListLevel,
    pub batch: String,
    pub life_stage: String,
    pub applicant: String,
    pub keywords: Vec<String>,
    /// On-site visits when done as one thing.
    pub visits: u32,
    pub summary: String,
    pub questions: Vec<Question>,
    pub members: Vec<Member>,
    pub material_rules: Vec<MaterialRule>,
    pub field_rules: Vec<FieldRule>,
    /// Set for a report one-thing; `None` for one that grants, registers or pays.
    pub report: Option<Report>,
}

impl OneThing {
    /// The member that issues a report one-thing's document; `None` for other one-things.
    pub fn report_issuer<'a>(&'a self, catalog: &'a Catalog) -> Option<&'a Member> {
        let report = self.report.as_ref()?;
        self.members.iter().find(|member| {
            catalog
                .items
                .get(&member.item)
                .is_some_and(|item| item.outputs.certificate.as_deref() == Some(report.document.as_str()))
        })
    }

    /// Whether this is a person's report (个人信用报告…): its subject is the applicant
    /// themself, so the subject's value must be the applicant's own ID number.
    pub fn report_is_about_the_applicant(&self) -> bool {
        self.applicant == "自然人"
            && self
                .report
                .as_ref()
                .is_some_and(|report| report.subject == APPLICANT_ID_NUMBER)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|question| question.id == id)
    }

    /// Every question's answer as conditions read it: the given answer when the
    /// question is asked and answered, else `''` (so `q == 'yes'` is false for a
    /// question not asked). Questions are decided in order; a condition that cannot
    /// be evaluated leaves its question unasked (`catalog check` refuses such
    /// conditions before they are published).
    pub fn effective_answers(&self, answers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut effective: BTreeMap<String, String> =
            self.questions.iter().map(|q| (q.id.clone(), String::new())).collect();
        for question in &self.questions {
            let asked = question
                .when
                .as_ref()
                .is_none_or(|when| when.evaluate(&effective).unwrap_or(false));
            if asked && let Some(answer) = answers.get(&question.id) {
                effective.insert(question.id.clone(), answer.clone());
            }
        }
        effective
    }

    /// The questions asked given `answers`, in order (see [`OneThing::effective_answers`]).
    pub fn asked_questions(&self, answers: &BTreeMap<String, String>) -> Vec<&Question> {
        let mut effective: BTreeMap<String, String> =
            self.questions.iter().map(|q| (q.id.clone(), String::new())).collect();
        let mut asked = Vec::new();
        for question in &self.questions {
            if question
                .when
                .as_ref()
                .is_none_or(|when| when.evaluate(&effective).unwrap_or(false))
            {
                asked.push(question);
                if let Some(answer) = answers.get(&question.id) {
                    effective.insert(question.id.clone(), answer.clone());
                }
            }
        }
        asked
    }

    /// `answers` without those to questions not asked: what a page keeps when an
    /// earlier answer changed and made a later question irrelevant.
    pub fn relevant_answers(&self, answers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.asked_questions(answers)
            .into_iter()
            .filter_map(|q| answers.get(&q.id).map(|a| (q.id.clone(), a.clone())))
            .collect()
    }

    pub fn member(&self, code: &ItemCode) -> Option<&Member> {
        self.members.iter().find(|member| &member.item == code)
    }
}

/// A group of one-things (一类事) around one life or enterprise stage; what the members
/// share is asked once when they are taken together ([`crate::group::group_plan`]).
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// Lower-case, digits and '-', like a one-thing id.
    pub id: String,
    pub name: String,
    pub summary: String,
    /// The member one-things, in the order people meet them; at least two, all existing.
    pub members: Vec<OneThingId>,
}

/// The whole checked catalog.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Catalog {
    pub departments: BTreeMap<String, Department>,
    pub elements: BTreeMap<String, DataElement>,
    pub certificates: BTreeMap<String, CertificateType>,
    pub materials: BTreeMap<String, Material>,
    pub items: BTreeMap<ItemCode, Item>,
    pub one_things: BTreeMap<OneThingId, OneThing>,
    /// The words people type for what the catalog names (`lexicon.toml`); empty
    /// when the catalog has none.
    pub lexicon: crate::lexicon::Lexicon,
    /// Benefit policies (免申即享 / 主动告知), by id.
    pub policies: BTreeMap<String, crate::policy::Policy>,
    /// Groups of one-things (一类事), by id.
    pub groups: BTreeMap<String, Group>,
}

impl Catalog {
    pub fn one_thing(&self, id: &str) -> Option<&OneThing> {
        let id = OneThingId::parse(id).ok()?;
        self.one_things.get(&id)
    }

    /// Finds a one-thing by id or by its exact Chinese name, with or without the
    /// trailing "一件事", so that `catalog show 新生儿出生` works.
    pub fn find_one_thing(&self, key: &str) -> Option<&OneThing> {
        self.one_thing(key).or_else(|| {
            let bare = key.trim_end_matches("一件事");
            self.one_things
                .values()
                .find(|one_thing| one_thing.name.trim_end_matches("一件事") == bare)
        })
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    pub fn department_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.departments
            .get(code)
            .map(|department| department.name.as_str())
            .unwrap_or(code)
    }
}
