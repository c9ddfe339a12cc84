//! Loading and checking the catalog from its files.
//!
//! Loading is all-or-nothing: [`Catalog::load`] returns either a catalog whose every
//! reference resolves, or every problem it found, each with its file and line. The
//! checks are done here rather than at use so that the plan and the case engine can
//! rely on a consistent catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use ids::{ItemCode, OneThingId};
use serde::Deserialize;
use toml::Spanned;

use crate::condition::Condition;
use crate::model::*;
use crate::problem::{Problem, Problems};

/// One catalog file: its path relative to the catalog root and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }
}

pub(crate) type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartments {
    #[serde(default)]
    department: Vec<RawDepartment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDepartment {
    code: Text,
    name: String,
    #[serde(default)]
    contact: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElements {
    #[serde(default)]
    element: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    id: Text,
    name: String,
    #[serde(rename = "type")]
    element_type: Text,
    #[serde(default)]
    options: Vec<String>,
    max_length: Option<usize>,
    sensitivity: Text,
    source: Text,
    group: String,
    changes: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificates {
    #[serde(default)]
    certificate: Vec<RawCertificate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificate {
    code: Text,
    name: String,
    issuer: Text,
    #[serde(default)]
    surface: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterials {
    #[serde(default)]
    material: Vec<RawMaterial>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterial {
    id: Text,
    name: String,
    kind: Text,
    certificate: Option<Text>,
    #[serde(default)]
    elements: Vec<Text>,
    trust: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    code: Text,
    name: String,
    department: Text,
    kind: Text,
    legal_limit_days: u32,
    promised_limit_days: Spanned<u32>,
    visits_alone: u32,
    steps: Spanned<u32>,
    #[serde(default)]
    fields: Vec<Text>,
    #[serde(default)]
    materials: Vec<Text>,
    #[serde(default)]
    outputs: RawOutputs,
    #[serde(default, rename = "check")]
    checks: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: Text,
    name: Text,
    expression: Text,
    reads: Vec<Text>,
    legal_basis: Text,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutputs {
    certificate: Option<Text>,
    #[serde(default)]
    elements: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOneThing {
    id: Text,
    name: String,
    lead: Text,
    level: Text,
    batch: String,
    life_stage: String,
    applicant: Text,
    #[serde(default)]
    keywords: Vec<String>,
    visits: u32,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    question: Vec<RawQuestion>,
    #[serde(default)]
    member: Vec<RawMember>,
    #[serde(default)]
    material_rule: Vec<RawMaterialRule>,
    #[serde(default)]
    field_rule: Vec<RawFieldRule>,
    #[serde(default)]
    report: Option<RawReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    document: Text,
    subject: Text,
    #[serde(default)]
    period: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Text,
    name: String,
    #[serde(default)]
    summary: String,
    members: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Text,
    text: String,
    options: Vec<RawOption>,
    /// Asked only when this holds over earlier questions' answers.
    #[serde(default)]
    when: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    value: Text,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMember {
    item: Text,
    when: Option<Text>,
    #[serde(default)]
    after: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterialRule {
    material: Text,
    when: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldRule {
    element: Text,
    when: Text,
}

/// Collects problems, turning byte spans into line numbers.
pub(crate) struct Checker<'a> {
    pub(crate) problems: Vec<Problem>,
    pub(crate) files: &'a [SourceFile],
}

impl Checker<'_> {
    pub(crate) fn report(
        &mut self,
        file: usize,
        span: Option<Range<usize>>,
        at: impl Into<String>,
        message: impl Into<String>,
    ) {
        let source = &self.files[file];
        let line = span.map(|span| line_of(&source.text, span.start));
        self.problems.push(Problem {
            file: source.path.clone(),
            line,
            at: at.into(),
            message: message.into(),
        });
    }

    pub(crate) fn parse<T: for<'de> Deserialize<'de>>(&mut self, file: usize) -> Option<T> {
        match toml::from_str::<T>(&self.files[file].text) {
            Ok(value) => Some(value),
            Err(error) => {
                let message = format!("TOML 格式错误：{}", error.message());
                self.report(file, error.span(), "", message);
                None
            }
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

pub(crate) fn span(text: &Text) -> Option<Range<usize>> {
    Some(text.span())
}

fn is_cel_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

const ITEM_KINDS: [(&str, &str); 10] = [
    ("XK", "行政许可"),
    ("QR", "行政确认"),
    ("JF", "行政给付"),
    ("ZS", "行政征收"),
    ("CJ", "行政裁决"),
    ("JL", "行政奖励"),
    ("QT", "其他行政权力"),
    ("GG", "公共服务"),
    ("CF", "行政处罚"),
    ("QZ", "行政强制"),
];

impl Catalog {
    /// Loads and checks a whole catalog. Files are classified by path:
    /// `departments.toml`, `data-elements.toml`, `certificates.toml`,
    /// `materials.toml`, `items/*.toml`, `onethings/*.toml`, `groups/*.toml`,
    /// `policies/*.toml`, `lexicon.toml`; other files (such as a README) are ignored.
    pub fn load(files: &[SourceFile]) -> Result<Catalog, Problems> {
        let mut checker = Checker {
            problems: Vec::new(),
            files,
        };
        let mut catalog = Catalog::default();
        let mut item_files = Vec::new();
        let mut one_thing_files = Vec::new();
        let mut policy_files = Vec::new();
        let mut group_files = Vec::new();
        let mut singletons = BTreeMap::new();
        for (index, file) in files.iter().enumerate() {
            let path = file.path.replace('\\', "/");
            if !path.ends_with(".toml") {
                continue;
            }
            match path.as_str() {
                "departments.toml" | "data-elements.toml" | "certificates.toml" | "materials.toml" => {
                    singletons.insert(path.clone(), index);
                }
                // The shared data sources: loaded and checked by the `sharing` crate.
                "sources.toml" => {}
                // The words people type (guidance): loaded after the one-things,
                // whose text every term must occur in.
                "lexicon.toml" => {
                    singletons.insert(path.clone(), index);
                }
                _ if path.starts_with("items/") => item_files.push(index),
                _ if path.starts_with("onethings/") => one_thing_files.push(index),
                _ if path.starts_with("policies/") => policy_files.push(index),
                _ if path.starts_with("groups/") => group_files.push(index),
                _ => checker.report(
                    index,
                    None,
                    "",
                    "不认识的目录文件：应为 departments.toml、data-elements.toml、certificates.toml、materials.toml、lexicon.toml、items/*.toml、onethings/*.toml、groups/*.toml 或 policies/*.toml",
                ),
            }
        }
        for required in [
            "departments.toml",
            "data-elements.toml",
            "certificates.toml",
            "materials.toml",
        ] {
            if !singletons.contains_key(required) {
                checker.problems.push(Problem {
                    file: required.to_owned(),
                    line: None,
                    at: String::new(),
                    message: "缺少此文件".to_owned(),
                });
            }
        }

        if let Some(&file) = singletons.get("departments.toml") {
            load_departments(&mut checker, file, &mut catalog);
        }
        if let Some(&file) = singletons.get("data-elements.toml") {
            load_elements(&mut checker, file, &mut catalog);
        }
        if let Some(&file) = singletons.get("certificates.toml") {
            load_certificates(&mut checker, file, &mut catalog);
        }
        if let Some(&file) = singletons.get("materials.toml") {
            load_materials(&mut checker, file, &mut catalog);
        }
        for file in item_files {
            load_item(&mut checker, file, &mut catalog);
        }
        for file in one_thing_files {
            load_one_thing(&mut checker, file, &mut catalog);
        }
        for file in group_files {
            load_group(&mut checker, file, &mut catalog);
        }
        if let Some(&file) = singletons.get("lexicon.toml") {
            crate::lexicon::load_lexicon(&mut checker, file, &mut catalog);
        }
        for file in policy_files {
            load_policy(&mut checker, file, &mut catalog);
        }

        if checker.problems.is_empty() {
            Ok(catalog)
        } else {
            Err(Problems(checker.problems))
        }
    }
}

/// Reports problems of one policy file through the checker.
struct PolicyReport<'c, 'f> {
    checker: &'c mut Checker<'f>,
    file: usize,
}

impl crate::policy::Report for PolicyReport<'_, '_> {
    fn problem(&mut self, span: Option<Range<usize>>, at: &str, message: String) {
        self.checker.report(self.file, span, at, message);
    }

    fn line(&self, offset: usize) -> usize {
        line_of(&self.checker.files[self.file].text, offset)
    }
}

fn load_policy(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<crate::policy::RawPolicy>(file) else {
        return;
    };
    let path = checker.files[file].path.clone();
    let departments: BTreeSet<String> = catalog.departments.keys().cloned().collect();
    let one_things: BTreeSet<OneThingId> = catalog.one_things.keys().cloned().collect();
    let mut report = PolicyReport { checker, file };
    let Some(policy) =
        crate::policy::check_policy(&mut report, &path, raw, &|code| departments.contains(code), &|id| {
            one_things.contains(id)
        })
    else {
        return;
    };
    if catalog.policies.contains_key(&policy.id) {
        checker.report(file, None, "id", format!("政策标识“{}”重复", policy.id));
        return;
    }
    catalog.policies.insert(policy.id.clone(), policy);
}

fn load_departments(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawDepartments>(file) else {
        return;
    };
    for (index, department) in raw.department.into_iter().enumerate() {
        let at = format!("department[{index}].code");
        let code = department.code.get_ref();
        if code.len() < 2 || code.len() > 8 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            checker.report(
                file,
                span(&department.code),
                at,
                format!("部门代码“{code}”应为 2–8 个大写字母"),
            );
            continue;
        }
        if catalog.departments.contains_key(code) {
            checker.report(file, span(&department.code), at, format!("部门代码“{code}”重复"));
            continue;
        }
        catalog.departments.insert(
            code.clone(),
            Department {
                code: code.clone(),
                name: department.name,
                contact: department.contact,
            },
        );
    }
}

fn check_department(checker: &mut Checker, catalog: &Catalog, file: usize, code: &Text, at: String) -> bool {
    if catalog.departments.contains_key(code.get_ref()) {
        return true;
    }
    checker.report(file, span(code), at, format!("不存在的部门“{}”", code.get_ref()));
    false
}

fn load_elements(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawElements>(file) else {
        return;
    };
    let mut changes = Vec::new();
    for (index, element) in raw.element.into_iter().enumerate() {
        let id = element.id.get_ref().clone();
        let valid_id = !id.is_empty() && id.contains('.') && id.split('.').all(is_cel_identifier);
        if !valid_id {
            checker.report(
                file,
                span(&element.id),
                format!("element[{index}].id"),
                format!("数据元标识“{id}”应为小写的点分名称，如 person.id_number"),
            );
            continue;
        }
        if catalog.elements.contains_key(&id) {
            checker.report(
                file,
                span(&element.id),
                format!("element[{index}].id"),
                format!("数据元“{id}”重复定义"),
            );
            continue;
        }
        let element_type = match element.element_type.get_ref().as_str() {
            "text" => Some(ElementType::Text),
            "date" => Some(ElementType::Date),
            "integer" => Some(ElementType::Integer),
            "money" => Some(ElementType::Money),
            "boolean" => Some(ElementType::Boolean),
            "phone" => Some(ElementType::Phone),
            "id_number" => Some(ElementType::IdNumber),
            "credit_code" => Some(ElementType::CreditCode),
            "choice" if element.options.is_empty() => {
                checker.report(
                    file,
                    span(&element.element_type),
                    format!("element[{index}].options"),
                    format!("选择型数据元“{id}”必须列出 options"),
                );
                None
            }
            "choice" => Some(ElementType::Choice(element.options.clone())),
            other => {
                checker.report(
                    file,
                    span(&element.element_type),
                    format!("element[{index}].type"),
                    format!("不认识的数据类型“{other}”"),
                );
                None
            }
        };
        let sensitivity = Sensitivity::parse(element.sensitivity.get_ref());
        if sensitivity.is_none() {
            checker.report(
                file,
                span(&element.sensitivity),
                format!("element[{index}].sensitivity"),
                format!(
                    "敏感级别“{}”应为 公开、内部、敏感 或 高敏",
                    element.sensitivity.get_ref()
                ),
            );
        }
        let source_ok = check_department(
            checker,
            catalog,
            file,
            &element.source,
            format!("element[{index}].source"),
        );
        if let Some(changed) = &element.changes {
            changes.push((index, id.clone(), changed.clone()));
        }
        if let (Some(element_type), Some(sensitivity), true) = (element_type, sensitivity, source_ok) {
            catalog.elements.insert(
                id.clone(),
                DataElement {
                    id,
                    name: element.name,
                    element_type,
                    max_length: element.max_length,
                    sensitivity,
                    source: element.source.into_inner(),
                    group: element.group,
                    changes: element.changes.map(Spanned::into_inner),
                },
            );
        }
    }
    check_changes(checker, file, catalog, &changes);
}

/// A 变更后 element names a registered element of the same type that is not itself
/// a 变更后 element: the form pairs the two, and staff read one as the other's new value.
fn check_changes(checker: &mut Checker, file: usize, catalog: &Catalog, changes: &[(usize, String, Text)]) {
    for (index, id, changed) in changes {
        let at = format!("element[{index}].changes");
        let (Some(new), Some(old)) = (catalog.elements.get(id), catalog.elements.get(changed.get_ref())) else {
            if !catalog.elements.contains_key(changed.get_ref()) {
                checker.report(
                    file,
                    span(changed),
                    at,
                    format!("不存在的数据元“{}”", changed.get_ref()),
                );
            }
            continue;
        };
        if new.id == old.id {
            checker.report(file, span(changed), at, format!("数据元“{id}”不能是自身的变更后值"));
        } else if old.changes.is_some() {
            checker.report(
                file,
                span(changed),
                at,
                format!("数据元“{}”本身是变更后值，不能再被变更", old.id),
            );
        } else if new.element_type != old.element_type {
            checker.report(
                file,
                span(changed),
                at,
                format!(
                    "变更后值“{id}”的类型（{}）与原数据元“{}”的类型（{}）不同",
                    new.element_type.name(),
                    old.id,
                    old.element_type.name()
                ),
            );
        }
    }
}

fn load_certificates(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawCertificates>(file) else {
        return;
    };
    for (index, certificate) in raw.certificate.into_iter().enumerate() {
        let code = certificate.code.get_ref().clone();
        if !is_cel_identifier(&code) {
            checker.report(
                file,
                span(&certificate.code),
                format!("certificate[{index}].code"),
                format!("证照类型代码“{code}”应为小写字母、数字和下划线"),
            );
            continue;
        }
        if catalog.certificates.contains_key(&code) {
            checker.report(
                file,
                span(&certificate.code),
                format!("certificate[{index}].code"),
                format!("证照类型“{code}”重复定义"),
            );
            continue;
        }
        let mut ok = check_department(
            checker,
            catalog,
            file,
            &certificate.issuer,
            format!("certificate[{index}].issuer"),
        );
        for (position, element) in certificate.surface.iter().enumerate() {
            ok &= check_element(
                checker,
                catalog,
                file,
                element,
                format!("certificate[{index}].surface[{position}]"),
            );
        }
        if ok {
            catalog.certificates.insert(
                code.clone(),
                CertificateType {
                    code,
                    name: certificate.name,
                    issuer: certificate.issuer.into_inner(),
                    surface: certificate.surface.into_iter().map(Spanned::into_inner).collect(),
                },
            );
        }
    }
}

fn check_element(checker: &mut Checker, catalog: &Catalog, file: usize, id: &Text, at: String) -> bool {
    if catalog.elements.contains_key(id.get_ref()) {
        return true;
    }
    checker.report(file, span(id), at, format!("不存在的数据元“{}”", id.get_ref()));
    false
}

fn check_certificate(checker: &mut Checker, catalog: &Catalog, file: usize, code: &Text, at: String) -> bool {
    if catalog.certificates.contains_key(code.get_ref()) {
        return true;
    }
    checker.report(file, span(code), at, format!("不存在的证照类型“{}”", code.get_ref()));
    false
}

fn load_materials(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawMaterials>(file) else {
        return;
    };
    for (index, material) in raw.material.into_iter().enumerate() {
        let id = material.id.get_ref().clone();
        let at = |field: &str| format!("material[{index}].{field}");
        if !is_cel_identifier(&id) {
            checker.report(
                file,
                span(&material.id),
                at("id"),
                format!("材料标识“{id}”应为小写字母、数字和下划线"),
            );
            continue;
        }
        if catalog.materials.contains_key(&id) {
            checker.report(file, span(&material.id), at("id"), format!("材料“{id}”重复定义"));
            continue;
        }
        let trust = TrustLevel::parse(material.trust.get_ref());
        if trust.is_none() {
            checker.report(
                file,
                span(&material.trust),
                at("trust"),
                format!("可信等级“{}”应为 A、B、C 或 D", material.trust.get_ref()),
            );
        }
        let kind = match (material.kind.get_ref().as_str(), &material.certificate) {
            ("upload", _) => Some(MaterialKind::Upload),
            ("commitment", _) => Some(MaterialKind::Commitment),
            ("certificate", Some(certificate)) => {
                check_certificate(checker, catalog, file, certificate, at("certificate")).then(|| {
                    MaterialKind::Certificate {
                        certificate: certificate.get_ref().clone(),
                    }
                })
            }
            ("certificate", None) => {
                checker.report(
                    file,
                    span(&material.kind),
                    at("certificate"),
                    format!("证照类材料“{id}”必须写明 certificate"),
                );
                None
            }
            ("shared_data", _) if material.elements.is_empty() => {
                checker.report(
                    file,
                    span(&material.kind),
                    at("elements"),
                    format!("共享数据类材料“{id}”必须列出 elements"),
                );
                None
            }
            ("shared_data", _) => {
                let mut all_known = true;
                for (position, element) in material.elements.iter().enumerate() {
                    all_known &= check_element(checker, catalog, file, element, at(&format!("elements[{position}]")));
                }
                all_known.then(|| MaterialKind::SharedData {
                    elements: material.elements.iter().map(|e| e.get_ref().clone()).collect(),
                })
            }
            (other, _) => {
                checker.report(
                    file,
                    span(&material.kind),
                    at("kind"),
                    format!("材料类型“{other}”应为 upload、certificate、shared_data 或 commitment"),
                );
                None
            }
        };
        if let (Some(kind), Some(trust)) = (kind, trust) {
            catalog.materials.insert(
                id.clone(),
                Material {
                    id,
                    name: material.name,
                    kind,
                    trust,
                },
            );
        }
    }
}

fn load_item(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawItem>(file) else {
        return;
    };
    let code = match ItemCode::parse(raw.code.get_ref()) {
        Ok(code) => code,
        Err(error) => {
            checker.report(file, span(&raw.code), "code", format!("事项编码无效：{error}"));
            return;
        }
    };
    let expected_path = format!("items/{code}.toml");
    if checker.files[file].path.replace('\\', "/") != expected_path {
        checker.report(
            file,
            span(&raw.code),
            "code",
            format!("事项文件名应与编码一致：{expected_path}"),
        );
    }
    if catalog.items.contains_key(&code) {
        checker.report(file, span(&raw.code), "code", format!("事项编码“{code}”重复"));
        return;
    }
    let mut ok = check_department(checker, catalog, file, &raw.department, "department".into());
    match ITEM_KINDS.iter().find(|(_, name)| name == raw.kind.get_ref()) {
        None => {
            checker.report(
                file,
                span(&raw.kind),
                "kind",
                format!("不认识的事项类型“{}”", raw.kind.get_ref()),
            );
            ok = false;
        }
        Some((prefix, name)) if !code.as_str().starts_with(prefix) => {
            checker.report(
                file,
                span(&raw.kind),
                "kind",
                format!("事项类型“{name}”的编码应以 {prefix} 开头，而编码是 {code}"),
            );
            ok = false;
        }
        Some(_) => {}
    }
    if *raw.promised_limit_days.get_ref() > raw.legal_limit_days {
        checker.report(
            file,
            Some(raw.promised_limit_days.span()),
            "promised_limit_days",
            format!(
                "承诺时限 {} 个工作日超过法定时限 {} 个工作日",
                raw.promised_limit_days.get_ref(),
                raw.legal_limit_days
            ),
        );
        ok = false;
    }
    if *raw.steps.get_ref() < 2 {
        checker.report(file, Some(raw.steps.span()), "steps", "环节数至少为 2（受理和办结）");
        ok = false;
    }
    let mut seen = BTreeSet::new();
    for (index, field) in raw.fields.iter().enumerate() {
        ok &= check_element(checker, catalog, file, field, format!("fields[{index}]"));
        if !seen.insert(field.get_ref().clone()) {
            checker.report(
                file,
                span(field),
                format!("fields[{index}]"),
                format!("表单字段“{}”重复", field.get_ref()),
            );
            ok = false;
        }
    }
    let mut seen = BTreeSet::new();
    for (index, material) in raw.materials.iter().enumerate() {
        if !catalog.materials.contains_key(material.get_ref()) {
            checker.report(
                file,
                span(material),
                format!("materials[{index}]"),
                format!("不存在的材料“{}”", material.get_ref()),
            );
            ok = false;
        }
        if !seen.insert(material.get_ref().clone()) {
            checker.report(
                file,
                span(material),
                format!("materials[{index}]"),
                format!("材料“{}”重复", material.get_ref()),
            );
            ok = false;
        }
    }
    if let Some(certificate) = &raw.outputs.certificate {
        ok &= check_certificate(checker, catalog, file, certificate, "outputs.certificate".into());
    }
    for (index, element) in raw.outputs.elements.iter().enumerate() {
        ok &= check_element(checker, catalog, file, element, format!("outputs.elements[{index}]"));
    }
    let mut seen = BTreeSet::new();
    for (index, check) in raw.checks.iter().enumerate() {
        let at = format!("check[{index}]");
        let id = check.id.get_ref();
        let id_ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && id.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
        if !id_ok {
            checker.report(
                file,
                span(&check.id),
                format!("{at}.id"),
                format!("核验标识“{id}”应为小写字母开头的字母、数字和下划线"),
            );
            ok = false;
        } else if !seen.insert(id.clone()) {
            checker.report(file, span(&check.id), format!("{at}.id"), format!("核验标识“{id}”重复"));
            ok = false;
        }
        for (field, value, what) in [
            ("name", &check.name, "核验问题（如“申请人是否年满18周岁”）"),
            ("expression", &check.expression, "核验表达式"),
            ("legal_basis", &check.legal_basis, "法律依据"),
        ] {
            if value.get_ref().trim().is_empty() {
                checker.report(file, span(value), format!("{at}.{field}"), format!("请填写{what}"));
                ok = false;
            }
        }
        if check.reads.is_empty() {
            checker.report(
                file,
                span(&check.id),
                format!("{at}.reads"),
                "请列出核验读取的共享数据项",
            );
            ok = false;
        }
    }
    if !ok {
        return;
    }
    let strings = |list: Vec<Text>| list.into_iter().map(Spanned::into_inner).collect::<Vec<_>>();
    catalog.items.insert(
        code.clone(),
        Item {
            code,
            name: raw.name,
            department: raw.department.into_inner(),
            kind: raw.kind.into_inner(),
            legal_limit_days: raw.legal_limit_days,
            promised_limit_days: raw.promised_limit_days.into_inner(),
            visits_alone: raw.visits_alone,
            steps: raw.steps.into_inner(),
            fields: strings(raw.fields),
            materials: strings(raw.materials),
            outputs: Outputs {
                certificate: raw.outputs.certificate.map(Spanned::into_inner),
                elements: strings(raw.outputs.elements),
            },
            checks: raw
                .checks
                .into_iter()
                .map(|check| Check {
                    id: check.id.into_inner(),
                    name: check.name.into_inner().trim().to_owned(),
                    expression: check.expression.into_inner(),
                    reads: strings(check.reads),
                    legal_basis: check.legal_basis.into_inner().trim().to_owned(),
                })
                .collect(),
        },
    );
}

fn load_one_thing(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawOneThing>(file) else {
        return;
    };
    let problems_before = checker.problems.len();
    let id = match OneThingId::parse(raw.id.get_ref()) {
        Ok(id) => id,
        Err(error) => {
            checker.report(file, span(&raw.id), "id", format!("一件事标识无效：{error}"));
            return;
        }
    };
    if catalog.one_things.contains_key(&id) {
        checker.report(file, span(&raw.id), "id", format!("一件事标识“{id}”重复"));
        return;
    }
    check_department(checker, catalog, file, &raw.lead, "lead".into());
    let level = match raw.level.get_ref().as_str() {
        "国家重点" => Some(ListLevel::NationalKey),
        "地方特色" => Some(ListLevel::LocalFeatured),
        other => {
            checker.report(
                file,
                span(&raw.level),
                "level",
                format!("清单级别“{other}”应为 国家重点 或 地方特色"),
            );
            None
        }
    };
    if !matches!(raw.applicant.get_ref().as_str(), "自然人" | "法人") {
        checker.report(
            file,
            span(&raw.applicant),
            "applicant",
            format!("申请人类型“{}”应为 自然人 或 法人", raw.applicant.get_ref()),
        );
    }

    // Questions: identifiers, unique ids and option values, conditions on earlier ones.
    let mut questions = Vec::new();
    let mut conditioned_on = BTreeSet::new();
    for (index, question) in raw.question.iter().enumerate() {
        let qid = question.id.get_ref();
        if !is_cel_identifier(qid) {
            checker.report(
                file,
                span(&question.id),
                format!("question[{index}].id"),
                format!("问题标识“{qid}”应为小写字母开头的字母、数字和下划线"),
            );
            continue;
        }
        if questions.iter().any(|q: &Question| &q.id == qid) {
            checker.report(
                file,
                span(&question.id),
                format!("question[{index}].id"),
                format!("问题标识“{qid}”重复"),
            );
            continue;
        }
        if question.options.len() < 2 {
            checker.report(
                file,
                span(&question.id),
                format!("question[{index}].options"),
                format!("问题“{qid}”至少需要两个选项"),
            );
        }
        let mut options: Vec<QuestionOption> = Vec::new();
        for (position, option) in question.options.iter().enumerate() {
            if options.iter().any(|o| &o.value == option.value.get_ref()) {
                checker.report(
                    file,
                    span(&option.value),
                    format!("question[{index}].options[{position}]"),
                    format!("问题“{qid}”的选项“{}”重复", option.value.get_ref()),
                );
                continue;
            }
            options.push(QuestionOption {
                value: option.value.get_ref().clone(),
                label: option.label.clone(),
            });
        }
        // A condition on a question may name only the questions before it: they are
        // decided first, so every question's relevance is known in order.
        let when = question.when.as_ref().and_then(|text| {
            let at = format!("question[{index}].when");
            match Condition::compile(text.get_ref()) {
                Err(error) => {
                    checker.report(file, span(text), at, error.to_string());
                    None
                }
                Ok(condition) => {
                    let errors = condition.check(&questions);
                    for error in &errors {
                        checker.report(
                            file,
                            span(text),
                            at.clone(),
                            format!("{error}（问题的条件只能引用排在它之前的问题）"),
                        );
                    }
                    errors.is_empty().then_some(condition)
                }
            }
        });
        if let Some(condition) = &when {
            conditioned_on.extend(condition.variables());
        }
        questions.push(Question {
            id: qid.clone(),
            text: question.text.clone(),
            options,
            when,
        });
    }

    let mut used_questions = BTreeSet::new();
    let mut compile = |checker: &mut Checker, text: &Text, at: String| -> Option<Condition> {
        match Condition::compile(text.get_ref()) {
            Err(error) => {
                checker.report(file, span(text), at, error.to_string());
                None
            }
            Ok(condition) => {
                let errors = condition.check(&questions);
                for error in &errors {
                    checker.report(file, span(text), at.clone(), error.to_string());
                }
                used_questions.extend(condition.variables());
                errors.is_empty().then_some(condition)
            }
        }
    };

    // Members: known items, unique, conditions, dependencies among members.
    let mut members: Vec<Member> = Vec::new();
    let mut member_lines: BTreeMap<ItemCode, Option<Range<usize>>> = BTreeMap::new();
    for (index, member) in raw.member.iter().enumerate() {
        let code = match ItemCode::parse(member.item.get_ref()) {
            Ok(code) if catalog.items.contains_key(&code) => code,
            Ok(code) => {
                checker.report(
                    file,
                    span(&member.item),
                    format!("member[{index}].item"),
                    format!("不存在的事项“{code}”"),
                );
                continue;
            }
            Err(error) => {
                checker.report(
                    file,
                    span(&member.item),
                    format!("member[{index}].item"),
                    format!("事项编码无效：{error}"),
                );
                continue;
            }
        };
        if member_lines.contains_key(&code) {
            checker.report(
                file,
                span(&member.item),
                format!("member[{index}].item"),
                format!("事项“{code}”在本一件事中重复"),
            );
            continue;
        }
        member_lines.insert(code.clone(), span(&member.item));
        let when = member
            .when
            .as_ref()
            .and_then(|text| compile(checker, text, format!("member[{index}].when")));
        members.push(Member {
            item: code,
            when,
            after: Vec::new(),
        });
    }
    for (index, member) in raw.member.iter().enumerate() {
        let Ok(code) = ItemCode::parse(member.item.get_ref()) else {
            continue;
        };
        let mut after = Vec::new();
        for (position, dependency) in member.after.iter().enumerate() {
            let at = format!("member[{index}].after[{position}]");
            match ItemCode::parse(dependency.get_ref()) {
                Ok(dependency_code) if member_lines.contains_key(&dependency_code) => {
                    if dependency_code == code {
                        checker.report(file, span(dependency), at, format!("事项“{code}”不能依赖自身"));
                    } else {
                        after.push(dependency_code);
                    }
                }
                Ok(dependency_code) => checker.report(
                    file,
                    span(dependency),
                    at,
                    format!("依赖的事项“{dependency_code}”不是本一件事的成员"),
                ),
                Err(error) => checker.report(file, span(dependency), at, format!("事项编码无效：{error}")),
            }
        }
        if let Some(target) = members.iter_mut().find(|m| m.item == code) {
            target.after = after;
        }
    }
    if let Some(cycle) = find_cycle(&members) {
        let names: Vec<String> = cycle.iter().map(ItemCode::to_string).collect();
        let first = cycle.first().and_then(|code| member_lines.get(code).cloned().flatten());
        checker.report(
            file,
            first,
            "member.after",
            format!("事项之间存在循环依赖：{}", names.join(" → ")),
        );
    } else {
        check_data_flow(checker, catalog, file, &members, &member_lines);
    }

    let mut material_rules = Vec::new();
    for (index, rule) in raw.material_rule.iter().enumerate() {
        let material = rule.material.get_ref();
        let asked = members.iter().any(|member| {
            catalog
                .items
                .get(&member.item)
                .is_some_and(|item| item.materials.contains(material))
        });
        if !catalog.materials.contains_key(material) {
            checker.report(
                file,
                span(&rule.material),
                format!("material_rule[{index}].material"),
                format!("不存在的材料“{material}”"),
            );
        } else if !asked {
            checker.report(
                file,
                span(&rule.material),
                format!("material_rule[{index}].material"),
                format!("材料“{material}”不被本一件事的任何事项需要"),
            );
        } else if material_rules.iter().any(|r: &MaterialRule| &r.material == material) {
            checker.report(
                file,
                span(&rule.material),
                format!("material_rule[{index}].material"),
                format!("材料“{material}”的条件重复"),
            );
        }
        if let Some(when) = compile(checker, &rule.when, format!("material_rule[{index}].when")) {
            material_rules.push(MaterialRule {
                material: material.clone(),
                when,
            });
        }
    }
    let mut field_rules = Vec::new();
    for (index, rule) in raw.field_rule.iter().enumerate() {
        let element = rule.element.get_ref();
        let at = format!("field_rule[{index}].element");
        let asked = members.iter().any(|member| {
            catalog
                .items
                .get(&member.item)
                .is_some_and(|item| item.fields.contains(element))
        });
        if !catalog.elements.contains_key(element) {
            checker.report(file, span(&rule.element), at, format!("不存在的数据元“{element}”"));
        } else if !asked {
            checker.report(
                file,
                span(&rule.element),
                at,
                format!("数据元“{element}”不是本一件事任何事项的表单字段"),
            );
        } else if field_rules.iter().any(|r: &FieldRule| &r.element == element) {
            checker.report(file, span(&rule.element), at, format!("字段“{element}”的条件重复"));
        }
        if let Some(when) = compile(checker, &rule.when, format!("field_rule[{index}].when")) {
            field_rules.push(FieldRule {
                element: element.clone(),
                when,
            });
        }
    }
    // A report's period question is used by the report itself: the sections cover it.
    let period_question = raw
        .report
        .as_ref()
        .and_then(|report| report.period.as_ref())
        .map(|period| period.get_ref().clone());
    for (index, question) in raw.question.iter().enumerate() {
        if !used_questions.contains(question.id.get_ref())
            && !conditioned_on.contains(question.id.get_ref())
            && period_question.as_ref() != Some(question.id.get_ref())
        {
            checker.report(
                file,
                span(&question.id),
                format!("question[{index}]"),
                format!("问题“{}”没有被任何条件使用", question.id.get_ref()),
            );
        }
    }
    if members.is_empty() {
        checker.report(file, span(&raw.id), "member", "一件事至少需要一个成员事项");
    }
    let report = raw.report.as_ref().and_then(|report| {
        let whose = Whose {
            lead: raw.lead.get_ref(),
            applicant: raw.applicant.get_ref(),
        };
        check_report(checker, catalog, file, report, &whose, &members, &questions)
    });
    if checker.problems.len() > problems_before {
        return;
    }
    let Some(level) = level else { return };
    let one_thing = OneThing {
        id: id.clone(),
        name: raw.name,
        lead: raw.lead.into_inner(),
        level,
        batch: raw.batch,
        life_stage: raw.life_stage,
        applicant: raw.applicant.into_inner(),
        keywords: raw.keywords,
        visits: raw.visits,
        summary: raw.summary,
        questions,
        members,
        material_rules,
        field_rules,
        report,
    };
    check_conditions_evaluate(checker, file, &one_thing);
    check_summary_claims(checker, file, &one_thing, catalog);
    if checker.problems.len() == problems_before {
        catalog.one_things.insert(id, one_thing);
    }
}

/// Who issues a report one-thing's document and who asks for it.
struct Whose<'a> {
    /// The lead department's code.
    lead: &'a str,
    /// 自然人 or 法人.
    applicant: &'a str,
}

/// Checks a report one-thing's `[report]` (see [`Report`]) and returns it when sound.
fn check_report(
    checker: &mut Checker,
    catalog: &Catalog,
    file: usize,
    raw: &RawReport,
    whose: &Whose<'_>,
    members: &[Member],
    questions: &[Question],
) -> Option<Report> {
    let before = checker.problems.len();
    let lead = whose.lead;
    let document = raw.document.get_ref();
    match catalog.certificates.get(document) {
        None => checker.report(
            file,
            span(&raw.document),
            "report.document",
            format!("不存在的证照类型“{document}”"),
        ),
        Some(certificate) if certificate.issuer != lead => checker.report(
            file,
            span(&raw.document),
            "report.document",
            format!(
                "报告“{}”由{}签发，应由牵头部门{}出具",
                certificate.name,
                catalog.department_name(&certificate.issuer),
                catalog.department_name(lead)
            ),
        ),
        Some(_) => {}
    }
    let issuers: Vec<&Member> = members
        .iter()
        .filter(|member| {
            catalog
                .items
                .get(&member.item)
                .is_some_and(|item| item.outputs.certificate.as_deref() == Some(document.as_str()))
        })
        .collect();
    match issuers.as_slice() {
        [issuer] => {
            let sections: Vec<&Member> = members.iter().filter(|m| m.item != issuer.item).collect();
            if sections.is_empty() {
                checker.report(
                    file,
                    span(&raw.document),
                    "report",
                    "报告至少需要一个由部门核查作答的成员事项",
                );
            }
            if issuer.when.is_some() {
                checker.report(
                    file,
                    span(&raw.document),
                    "report",
                    format!(
                        "出具报告的事项“{}”必须在任何情形下都办理（不能有 when 条件）",
                        issuer.item
                    ),
                );
            }
            if catalog
                .items
                .get(&issuer.item)
                .is_some_and(|item| item.department != lead)
            {
                checker.report(
                    file,
                    span(&raw.document),
                    "report",
                    format!("出具报告的事项“{}”应由牵头部门办理", issuer.item),
                );
            }
            let missing: Vec<String> = sections
                .iter()
                .filter(|section| !issuer.after.contains(&section.item))
                .map(|section| section.item.to_string())
                .collect();
            if !missing.is_empty() {
                checker.report(
                    file,
                    span(&raw.document),
                    "report",
                    format!(
                        "出具报告的事项“{}”应在各部门作答之后办理，after 缺少：{}",
                        issuer.item,
                        missing.join("、")
                    ),
                );
            }
        }
        [] => checker.report(
            file,
            span(&raw.document),
            "report.document",
            format!("没有成员事项出具报告“{document}”（事项的 outputs.certificate）"),
        ),
        _ => checker.report(
            file,
            span(&raw.document),
            "report.document",
            format!("报告“{document}”只能由一个成员事项出具"),
        ),
    }
    let subject = raw.subject.get_ref();
    if whose.applicant == "自然人" && subject != APPLICANT_ID_NUMBER {
        checker.report(
            file,
            span(&raw.subject),
            "report.subject",
            format!("个人申请的报告只能是本人的：报告对象应为“{APPLICANT_ID_NUMBER}”（申请人公民身份号码），不能是“{subject}”"),
        );
    }
    if !catalog.elements.contains_key(subject) {
        checker.report(
            file,
            span(&raw.subject),
            "report.subject",
            format!("不存在的数据元“{subject}”"),
        );
    } else {
        let without: Vec<String> = members
            .iter()
            .filter(|m| {
                catalog
                    .items
                    .get(&m.item)
                    .is_some_and(|item| !item.fields.contains(subject))
            })
            .map(|m| m.item.to_string())
            .collect();
        if !without.is_empty() {
            checker.report(
                file,
                span(&raw.subject),
                "report.subject",
                format!(
                    "报告对象“{subject}”应是每个成员事项的表单字段，以下事项没有：{}",
                    without.join("、")
                ),
            );
        }
    }
    if let Some(period) = &raw.period
        && !questions.iter().any(|q| &q.id == period.get_ref())
    {
        checker.report(
            file,
            span(period),
            "report.period",
            format!("核查期间“{}”不是本一件事的情形问题", period.get_ref()),
        );
    }
    (checker.problems.len() == before).then(|| Report {
        document: document.clone(),
        subject: subject.clone(),
        period: raw.period.as_ref().map(|p| p.get_ref().clone()),
    })
}

/// Loads one group (一类事): a valid, unique id, at least two distinct members, each an
/// existing one-thing (named with its line when it is not).
fn load_group(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawGroup>(file) else {
        return;
    };
    let before = checker.problems.len();
    let id = raw.id.get_ref();
    if let Err(error) = OneThingId::parse(id) {
        checker.report(file, span(&raw.id), "id", format!("一类事标识无效：{error}"));
    } else if catalog.groups.contains_key(id) {
        checker.report(file, span(&raw.id), "id", format!("一类事标识“{id}”重复"));
    }
    let mut members: Vec<OneThingId> = Vec::new();
    for (index, member) in raw.members.iter().enumerate() {
        let at = format!("members[{index}]");
        match OneThingId::parse(member.get_ref()) {
            Ok(member_id) if !catalog.one_things.contains_key(&member_id) => {
                checker.report(file, span(member), at, format!("不存在的一件事“{member_id}”"));
            }
            Ok(member_id) if members.contains(&member_id) => {
                checker.report(file, span(member), at, format!("一件事“{member_id}”在本一类事中重复"));
            }
            Ok(member_id) => members.push(member_id),
            Err(error) => checker.report(file, span(member), at, format!("一件事标识无效：{error}")),
        }
    }
    if raw.members.len() < 2 {
        checker.report(file, span(&raw.id), "members", "一类事至少需要两个一件事");
    }
    if checker.problems.len() == before {
        catalog.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                name: raw.name,
                summary: raw.summary,
                members,
            },
        );
    }
}

/// Working days on the longest chain of promised limits when every member applies.
fn longest_promised_path(one_thing: &OneThing, catalog: &Catalog) -> u32 {
    fn finish(code: &ItemCode, one_thing: &OneThing, catalog: &Catalog, depth: usize) -> u32 {
        let Some(member) = one_thing.members.iter().find(|m| &m.item == code) else {
            return 0;
        };
        let own = catalog.items.get(code).map_or(0, |item| item.promised_limit_days);
        // Cycles are refused before this runs; the depth bound only keeps it total.
        let before = if depth > one_thing.members.len() {
            0
        } else {
            member
                .after
                .iter()
                .map(|after| finish(after, one_thing, catalog, depth + 1))
                .max()
                .unwrap_or(0)
        };
        own + before
    }
    one_thing
        .members
        .iter()
        .map(|m| finish(&m.item, one_thing, catalog, 0))
        .max()
        .unwrap_or(0)
}

/// The time limits a summary promises in words: “一日办结”, “3个工作日内办结”, “五天办结”.
pub fn claimed_days(summary: &str) -> Vec<u32> {
    let digit = |c: char| match c {
        '0'..='9' => c.to_digit(10),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let mut claims = Vec::new();
    for (at, _) in summary.match_indices("办结") {
        let before = summary[..at].trim_end_matches('内');
        let Some(rest) = ["个工作日", "工作日", "日", "天"]
            .iter()
            .find_map(|unit| before.strip_suffix(unit))
        else {
            continue;
        };
        // The number right before the unit: Arabic digits, or Chinese up to 九十九.
        let number: Vec<char> = rest
            .chars()
            .rev()
            .take_while(|c| digit(*c).is_some() || *c == '十')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if number.is_empty() {
            continue;
        }
        let value = if number.iter().all(char::is_ascii_digit) {
            number.iter().collect::<String>().parse().ok()
        } else {
            match number.iter().position(|c| *c == '十') {
                None => number.iter().try_fold(0, |n, c| digit(*c).map(|d| n * 10 + d)),
                Some(ten) => {
                    let tens = if ten == 0 {
                        Some(1)
                    } else {
                        number.get(ten - 1).and_then(|c| digit(*c))
                    };
                    let ones = number.get(ten + 1).and_then(|c| digit(*c)).unwrap_or(0);
                    tens.map(|t| t * 10 + ones)
                }
            }
        };
        if let Some(value) = value {
            claims.push(value);
        }
    }
    claims
}

/// A summary may not promise less time than the members' promised limits add up to
/// along the longest chain (all members applying).
fn check_summary_claims(checker: &mut Checker<'_>, file: usize, one_thing: &OneThing, catalog: &Catalog) {
    let longest = longest_promised_path(one_thing, catalog);
    for claimed in claimed_days(&one_thing.summary) {
        if claimed < longest {
            checker.report(
                file,
                None,
                "summary",
                format!(
                    "简介承诺{claimed}个工作日办结，但全部事项都办理时按承诺时限需{longest}个工作日；请按计算结果改写简介"
                ),
            );
        }
    }
}

/// Finds a dependency cycle among members, returned as the codes along it.
fn find_cycle(members: &[Member]) -> Option<Vec<ItemCode>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unvisited,
        InProgress,
        Done,
    }
    fn visit(index: usize, members: &[Member], marks: &mut [Mark], path: &mut Vec<usize>) -> Option<Vec<ItemCode>> {
        marks[index] = Mark::InProgress;
        path.push(index);
        for dependency in &members[index].after {
            let Some(next) = members.iter().position(|m| &m.item == dependency) else {
                continue;
            };
            match marks[next] {
                Mark::InProgress => {
                    let start = path.iter().position(|&p| p == next).unwrap_or(0);
                    let mut cycle: Vec<ItemCode> = path[start..].iter().map(|&p| members[p].item.clone()).collect();
                    cycle.push(members[next].item.clone());
                    return Some(cycle);
                }
                Mark::Unvisited => {
                    if let Some(cycle) = visit(next, members, marks, path) {
                        return Some(cycle);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks[index] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::Unvisited; members.len()];
    for index in 0..members.len() {
        if marks[index] == Mark::Unvisited
            && let Some(cycle) = visit(index, members, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// An item that uses another member's output (a data element among its fields or
/// the certificate among its materials) must come after it, directly or not.
fn check_data_flow(
    checker: &mut Checker,
    catalog: &Catalog,
    file: usize,
    members: &[Member],
    member_lines: &BTreeMap<ItemCode, Option<Range<usize>>>,
) {
    for consumer in members {
        let Some(consumer_item) = catalog.items.get(&consumer.item) else {
            continue;
        };
        for producer in members {
            if producer.item == consumer.item {
                continue;
            }
            let Some(producer_item) = catalog.items.get(&producer.item) else {
                continue;
            };
            let mut uses = Vec::new();
            for element in &producer_item.outputs.elements {
                if consumer_item.fields.contains(element) {
                    uses.push(element.clone());
                }
            }
            if let Some(certificate) = &producer_item.outputs.certificate {
                let needs_certificate = consumer_item.materials.iter().any(|material| {
                    matches!(catalog.materials.get(material).map(|m| &m.kind),
                        Some(MaterialKind::Certificate { certificate: c }) if c == certificate)
                });
                if needs_certificate {
                    uses.push(certificate.clone());
                }
            }
            if !uses.is_empty() && !depends_on(members, &consumer.item, &producer.item) {
                checker.report(
                    file,
                    member_lines.get(&consumer.item).cloned().flatten(),
                    format!("member {}", consumer.item),
                    format!(
                        "事项“{}”使用事项“{}”产生的 {}，但没有在 after 中声明对它的依赖",
                        consumer.item,
                        producer.item,
                        uses.join("、")
                    ),
                );
            }
        }
    }
}

/// Whether `from` depends on `target`, directly or through other members.
fn depends_on(members: &[Member], from: &ItemCode, target: &ItemCode) -> bool {
    let mut stack = vec![from.clone()];
    let mut seen = BTreeSet::new();
    while let Some(code) = stack.pop() {
        if !seen.insert(code.clone()) {
            continue;
        }
        let Some(member) = members.iter().find(|m| m.item == code) else {
            continue;
        };
        for dependency in &member.after {
            if dependency == target {
                return true;
            }
            stack.push(dependency.clone());
        }
    }
    false
}

/// Evaluates every condition under every combination of answers (when there are
/// few enough), so that a condition that fails at run time — a type error, a
/// non-boolean result — is caught by the check rather than by an applicant.
fn check_conditions_evaluate(checker: &mut Checker, file: usize, one_thing: &OneThing) {
    const MAX_COMBINATIONS: usize = 4096;
    let combinations = one_thing
        .questions
        .iter()
        .try_fold(1usize, |acc, q| acc.checked_mul(q.options.len().max(1)));
    let Some(combinations) = combinations.filter(|&n| n <= MAX_COMBINATIONS) else {
        return;
    };
    let conditions: Vec<(String, &Condition)> = one_thing
        .members
        .iter()
        .filter_map(|m| m.when.as_ref().map(|c| (format!("member {}", m.item), c)))
        .chain(
            one_thing
                .material_rules
                .iter()
                .map(|r| (format!("material_rule {}", r.material), &r.when)),
        )
        .chain(
            one_thing
                .field_rules
                .iter()
                .map(|r| (format!("field_rule {}", r.element), &r.when)),
        )
        .chain(
            one_thing
                .questions
                .iter()
                .filter_map(|q| q.when.as_ref().map(|c| (format!("question {}", q.id), c))),
        )
        .collect();
    for combination in 0..combinations {
        let mut answers = BTreeMap::new();
        let mut rest = combination;
        for question in &one_thing.questions {
            let count = question.options.len().max(1);
            if let Some(option) = question.options.get(rest % count) {
                answers.insert(question.id.clone(), option.value.clone());
            }
            rest /= count;
        }
        // As a plan reads them: questions not asked count as unanswered.
        let answers = one_thing.effective_answers(&answers);
        for (at, condition) in &conditions {
            if let Err(error) = condition.evaluate(&answers) {
                checker.report(
                    file,
                    None,
                    at.clone(),
                    format!("{error}（条件：{}）", condition.source()),
                );
                return;
            }
        }
    }
}
