//! Benefit policies (惠民惠企政策) for 免申即享 and 主动告知: `policies/*.toml`.
//!
//! A policy names the shared attributes it reads (`reads`), derived values computed
//! from them (`derived`), named conditions (each a CEL expression with a Chinese
//! label, the reason shown to the person) and an amount formula in integer fen. The
//! catalog checks the file's shape, that every CEL expression parses and reads only
//! declared names, and that an invited policy links to a real one-thing; whether
//! every `reads` attribute is served by a shared source for the policy's target is
//! checked against `sources.toml` by the caller (`app::sharing::load_registry`),
//! which has the registry.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use ids::OneThingId;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The derived value `age`: full years at the evaluation date, from `birth_date`.
pub const AGE_VARIABLE: &str = "age";

/// Who a policy is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyTarget {
    Person,
    Enterprise,
}

impl PolicyTarget {
    /// The Chinese label: 自然人 or 企业.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Person => "自然人",
            Self::Enterprise => "企业",
        }
    }
}

/// What happens to someone found eligible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PolicyMode {
    /// 免申即享: granted without an application; the person may decline.
    Grant,
    /// 主动告知: invited to apply through the linked one-thing, prefilled.
    Invite { one_thing: OneThingId },
}

impl PolicyMode {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::Grant => "免申即享",
            Self::Invite { .. } => "主动告知",
        }
    }
}

/// The unit a finding covers: the calendar year or month containing the evaluation date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodUnit {
    Year,
    Month,
}

/// How a derived value is computed from the subject's attributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DerivedKind {
    /// The number of months of the evaluated period (not before the policy's start)
    /// in which the subject is under `years` on the first day of the month and born
    /// on or before its last day. Reads `birth_date`.
    MonthsUnderAge { years: u32 },
    /// A money attribute written in yuan with two decimals, as integer fen.
    Fen { attribute: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Derived {
    pub name: String,
    pub kind: DerivedKind,
}

/// One named condition: held or not is the reason shown to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyCondition {
    pub id: String,
    /// Plain Chinese, e.g. 未满3周岁.
    pub label: String,
    pub expression: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LegalBasis {
    pub title: String,
    pub number: String,
}

/// A checked policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub department: String,
    pub legal_basis: LegalBasis,
    pub target: PolicyTarget,
    pub period_unit: PeriodUnit,
    /// The first day the policy applies.
    pub effective_from: NaiveDate,
    /// The last day, when it ends.
    pub effective_until: Option<NaiveDate>,
    /// The shared attributes it reads, as written.
    pub reads: Vec<String>,
    /// The catalog file and the 1-based line of `reads`, for the registry check.
    pub file: String,
    pub reads_line: usize,
    pub derived: Vec<Derived>,
    /// Attributes naming who receives the benefit (the first present one), e.g. a
    /// child's mother; empty: the subject itself.
    pub payee: Vec<String>,
    pub conditions: Vec<PolicyCondition>,
    /// CEL over the same names, an integer: the amount in fen for the period.
    pub amount_fen: String,
    /// How the amount is computed, in Chinese.
    pub amount_label: String,
    pub mode: PolicyMode,
    /// When the money is paid, in Chinese (e.g. 次年3月31日前), for the message.
    pub payment: String,
    /// A local example (one city's rule), not a national one.
    pub local_example: bool,
}

impl Policy {
    /// Every name a condition or the amount may read: the attributes, `age` when
    /// `birth_date` is read, and the derived values.
    pub fn variables(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = self.reads.iter().cloned().collect();
        if names.contains("birth_date") {
            names.insert(AGE_VARIABLE.to_owned());
        }
        names.extend(self.derived.iter().map(|d| d.name.clone()));
        names
    }
}

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    id: Text,
    name: Text,
    department: Text,
    target: Text,
    mode: Text,
    #[serde(default)]
    one_thing: Option<Text>,
    payment: Text,
    #[serde(default)]
    local_example: bool,
    legal_basis: RawLegalBasis,
    period: RawPeriod,
    reads: Spanned<Vec<String>>,
    #[serde(default)]
    payee: Vec<Text>,
    #[serde(default)]
    derived: Vec<RawDerived>,
    #[serde(default)]
    condition: Vec<RawCondition>,
    amount: RawAmount,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegalBasis {
    title: Text,
    number: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    unit: Text,
    from: Text,
    #[serde(default)]
    until: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDerived {
    name: Text,
    kind: Text,
    #[serde(default)]
    years: Option<u32>,
    #[serde(default)]
    attribute: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: Text,
    #[serde(default)]
    label: Option<Text>,
    when: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmount {
    fen: Text,
    label: Text,
}

/// Reports a problem at a span of the policy file.
pub(crate) trait Report {
    fn problem(&mut self, span: Option<std::ops::Range<usize>>, at: &str, message: String);
    fn line(&self, offset: usize) -> usize;
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn date(report: &mut dyn Report, text: &Text, at: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(text.get_ref(), "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            report.problem(
                Some(text.span()),
                at,
                format!("日期“{}”应写成 YYYY-MM-DD", text.get_ref()),
            );
            None
        }
    }
}

/// The variables a CEL expression reads, or the parse error in Chinese.
pub fn expression_variables(expression: &str) -> Result<Vec<String>, String> {
    let program = cel::Program::compile(expression).map_err(|error| error.to_string())?;
    let references = program.references();
    let mut names: Vec<String> = references.variables().into_iter().map(str::to_owned).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Checks one parsed policy file. `department_known` and `one_thing_known` answer
/// for the rest of the catalog. Returns the policy when nothing was wrong.
pub(crate) fn check_policy(
    report: &mut dyn Report,
    file: &str,
    raw: RawPolicy,
    department_known: &dyn Fn(&str) -> bool,
    one_thing_known: &dyn Fn(&OneThingId) -> bool,
) -> Option<Policy> {
    let mut ok = true;
    let id = raw.id.get_ref().clone();
    if !is_identifier(&id) {
        report.problem(
            Some(raw.id.span()),
            "id",
            format!("政策标识“{id}”应为小写字母、数字和下划线，以字母开头"),
        );
        ok = false;
    }
    for (text, at) in [
        (&raw.name, "name"),
        (&raw.payment, "payment"),
        (&raw.legal_basis.title, "legal_basis.title"),
        (&raw.legal_basis.number, "legal_basis.number"),
        (&raw.amount.label, "amount.label"),
    ] {
        if text.get_ref().trim().is_empty() {
            report.problem(Some(text.span()), at, "不能为空".to_owned());
            ok = false;
        }
    }
    if !department_known(raw.department.get_ref()) {
        report.problem(
            Some(raw.department.span()),
            "department",
            format!("不存在的部门“{}”", raw.department.get_ref()),
        );
        ok = false;
    }
    let target = match raw.target.get_ref().as_str() {
        "person" => Some(PolicyTarget::Person),
        "enterprise" => Some(PolicyTarget::Enterprise),
        other => {
            report.problem(
                Some(raw.target.span()),
                "target",
                format!("对象“{other}”应为 person（自然人）或 enterprise（企业）"),
            );
            None
        }
    };
    let mode = match (raw.mode.get_ref().as_str(), &raw.one_thing) {
        ("grant", None) => Some(PolicyMode::Grant),
        ("grant", Some(one_thing)) => {
            report.problem(
                Some(one_thing.span()),
                "one_thing",
                "免申即享（grant）的政策不链接一件事；主动告知（invite）才需要".to_owned(),
            );
            None
        }
        ("invite", Some(one_thing)) => match OneThingId::parse(one_thing.get_ref()) {
            Ok(parsed) if one_thing_known(&parsed) => Some(PolicyMode::Invite { one_thing: parsed }),
            _ => {
                report.problem(
                    Some(one_thing.span()),
                    "one_thing",
                    format!("不存在的一件事“{}”", one_thing.get_ref()),
                );
                None
            }
        },
        ("invite", None) => {
            report.problem(
                Some(raw.mode.span()),
                "mode",
                "主动告知（invite）的政策须用 one_thing 指明申请时打开的一件事".to_owned(),
            );
            None
        }
        (other, _) => {
            report.problem(
                Some(raw.mode.span()),
                "mode",
                format!("方式“{other}”应为 grant（免申即享）或 invite（主动告知）"),
            );
            None
        }
    };
    let period_unit = match raw.period.unit.get_ref().as_str() {
        "year" => Some(PeriodUnit::Year),
        "month" => Some(PeriodUnit::Month),
        other => {
            report.problem(
                Some(raw.period.unit.span()),
                "period.unit",
                format!("周期“{other}”应为 year 或 month"),
            );
            None
        }
    };
    let effective_from = date(report, &raw.period.from, "period.from");
    let effective_until = match &raw.period.until {
        Some(text) => date(report, text, "period.until").map(Some),
        None => Some(None),
    };
    if let (Some(from), Some(Some(until))) = (effective_from, effective_until)
        && until < from
    {
        report.problem(
            raw.period.until.as_ref().map(Spanned::span),
            "period.until",
            "结束日期早于开始日期".to_owned(),
        );
        ok = false;
    }

    let reads_span = raw.reads.span();
    let reads: Vec<String> = raw.reads.into_inner();
    let mut seen = BTreeSet::new();
    for attribute in &reads {
        if !is_identifier(attribute) || attribute == AGE_VARIABLE {
            report.problem(
                Some(reads_span.clone()),
                "reads",
                format!("读取的属性“{attribute}”应为 sources.toml 中的小写属性名（age 由出生日期计算，不必列出）"),
            );
            ok = false;
        }
        if !seen.insert(attribute.clone()) {
            report.problem(Some(reads_span.clone()), "reads", format!("属性“{attribute}”重复"));
            ok = false;
        }
    }

    let mut derived = Vec::new();
    for (index, raw_derived) in raw.derived.iter().enumerate() {
        let at = format!("derived[{index}]");
        let name = raw_derived.name.get_ref().clone();
        if !is_identifier(&name) || seen.contains(&name) || name == AGE_VARIABLE {
            report.problem(
                Some(raw_derived.name.span()),
                &at,
                format!("派生值名称“{name}”无效或与读取的属性重名"),
            );
            ok = false;
            continue;
        }
        let kind = match (
            raw_derived.kind.get_ref().as_str(),
            raw_derived.years,
            &raw_derived.attribute,
        ) {
            ("months_under_age", Some(years), None) if years > 0 => {
                if !reads.iter().any(|r| r == "birth_date") {
                    report.problem(
                        Some(raw_derived.kind.span()),
                        &at,
                        "months_under_age 由出生日期计算，reads 须包含 birth_date".to_owned(),
                    );
                    ok = false;
                }
                DerivedKind::MonthsUnderAge { years }
            }
            ("fen", None, Some(attribute)) => {
                if !reads.contains(attribute.get_ref()) {
                    report.problem(
                        Some(attribute.span()),
                        &at,
                        format!("“{}”不在 reads 中", attribute.get_ref()),
                    );
                    ok = false;
                }
                DerivedKind::Fen {
                    attribute: attribute.get_ref().clone(),
                }
            }
            _ => {
                report.problem(
                    Some(raw_derived.kind.span()),
                    &at,
                    "派生值应为 kind = \"months_under_age\"（带 years）或 kind = \"fen\"（带 attribute）".to_owned(),
                );
                ok = false;
                continue;
            }
        };
        seen.insert(name.clone());
        derived.push(Derived { name, kind });
    }

    let mut payee = Vec::new();
    for text in &raw.payee {
        if !reads.contains(text.get_ref()) {
            report.problem(
                Some(text.span()),
                "payee",
                format!("领取人属性“{}”不在 reads 中", text.get_ref()),
            );
            ok = false;
        }
        payee.push(text.get_ref().clone());
    }

    let mut allowed: BTreeSet<String> = seen.clone();
    if reads.iter().any(|r| r == "birth_date") {
        allowed.insert(AGE_VARIABLE.to_owned());
    }
    let check_expression = |report: &mut dyn Report, text: &Text, at: &str| -> bool {
        match expression_variables(text.get_ref()) {
            Err(error) => {
                report.problem(Some(text.span()), at, format!("表达式无法解析：{error}"));
                false
            }
            Ok(names) => {
                let unknown: Vec<&String> = names.iter().filter(|n| !allowed.contains(*n)).collect();
                for name in &unknown {
                    report.problem(
                        Some(text.span()),
                        at,
                        format!(
                            "表达式读取了未声明的“{name}”（可用：{}）",
                            allowed.iter().cloned().collect::<Vec<_>>().join("、")
                        ),
                    );
                }
                unknown.is_empty()
            }
        }
    };

    let mut conditions = Vec::new();
    let mut condition_ids = BTreeSet::new();
    if raw.condition.is_empty() {
        report.problem(None, "condition", "至少要有一个条件".to_owned());
        ok = false;
    }
    for (index, condition) in raw.condition.iter().enumerate() {
        let at = format!("condition[{index}]");
        let condition_id = condition.id.get_ref().clone();
        if !is_identifier(&condition_id) || !condition_ids.insert(condition_id.clone()) {
            report.problem(
                Some(condition.id.span()),
                &at,
                format!("条件标识“{condition_id}”无效或重复"),
            );
            ok = false;
        }
        let label = match &condition.label {
            Some(label) if !label.get_ref().trim().is_empty() => label.get_ref().trim().to_owned(),
            _ => {
                report.problem(
                    Some(condition.id.span()),
                    &at,
                    format!("条件“{condition_id}”缺少中文说明 label（告诉当事人为什么符合或不符合）"),
                );
                ok = false;
                String::new()
            }
        };
        ok &= check_expression(report, &condition.when, &format!("{at}.when"));
        conditions.push(PolicyCondition {
            id: condition_id,
            label,
            expression: condition.when.get_ref().clone(),
        });
    }
    ok &= check_expression(report, &raw.amount.fen, "amount.fen");

    let (Some(target), Some(mode), Some(period_unit), Some(effective_from), Some(effective_until)) =
        (target, mode, period_unit, effective_from, effective_until)
    else {
        return None;
    };
    if !ok {
        return None;
    }
    Some(Policy {
        id,
        name: raw.name.get_ref().trim().to_owned(),
        department: raw.department.get_ref().clone(),
        legal_basis: LegalBasis {
            title: raw.legal_basis.title.get_ref().trim().to_owned(),
            number: raw.legal_basis.number.get_ref().trim().to_owned(),
        },
        target,
        period_unit,
        effective_from,
        effective_until,
        reads,
        file: file.to_owned(),
        reads_line: report.line(reads_span.start),
        derived,
        payee,
        conditions,
        amount_fen: raw.amount.fen.get_ref().clone(),
        amount_label: raw.amount.label.get_ref().trim().to_owned(),
        mode,
        payment: raw.payment.get_ref().trim().to_owned(),
        local_example: raw.local_example,
    })
}
