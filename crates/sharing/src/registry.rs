//! The source registry (共享数据服务目录): which department's shared data source
//! serves which attribute of which kind of subject, loaded from `catalog/sources.toml`.
//!
//! Loading checks the one-source rule (一数一源): a (subject kind, attribute) pair is
//! served by exactly one source, so that every prefilled value and every predicate
//! answer has exactly one authoritative origin.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::mapping::{FieldMap, Format, HttpMapping};

/// The kind of subject a source is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A natural person, keyed by 公民身份号码 (`id_number`).
    Person,
    /// An enterprise, keyed by 统一社会信用代码 (`uscc`).
    Enterprise,
}

impl SubjectKind {
    /// The name used in `sources.toml`: `person` or `enterprise`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Enterprise => "enterprise",
        }
    }

    /// The Chinese label: 自然人 or 企业.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Person => "自然人",
            Self::Enterprise => "企业",
        }
    }

    /// The name of the subject key: `id_number` for a person, `uscc` for an enterprise.
    /// It is never an attribute: the caller always knows it before asking a source.
    pub fn key_name(self) -> &'static str {
        match self {
            Self::Person => "id_number",
            Self::Enterprise => "uscc",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "person" => Some(Self::Person),
            "enterprise" => Some(Self::Enterprise),
            _ => None,
        }
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Attribute name reserved for the age derived from `birth_date` in predicates.
pub const AGE: &str = "age";

/// One shared data source (共享数据服务).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Lower snake-case code, e.g. `population`.
    pub code: String,
    /// Chinese name, e.g. 人口基础信息库.
    pub name: String,
    /// The owning department's code (checked against the catalog by the caller).
    pub department: String,
    /// The kind of subject its records are keyed by.
    pub subject: SubjectKind,
    /// The attributes it serves, in file order.
    pub attributes: Vec<String>,
    /// The legal basis for sharing (共享依据), in Chinese.
    pub legal_basis: String,
    /// How to ask the department's own HTTP service, when connected to one.
    pub http: Option<HttpMapping>,
}

impl Source {
    /// Whether this source serves `attribute`.
    pub fn serves(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a == attribute)
    }
}

/// The loaded and checked registry of sources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    sources: Vec<Source>,
    /// (kind, attribute) -> index into `sources`.
    serving: BTreeMap<(SubjectKind, String), usize>,
}

impl Registry {
    /// Loads `text` (the contents of the file at `path`, used only in errors).
    /// Returns every problem found, each with file and line, or a registry
    /// in which every (subject kind, attribute) has exactly one source.
    pub fn load(path: &str, text: &str) -> Result<Registry, Vec<LoadError>> {
        let mut errors = Errors {
            path,
            text,
            list: Vec::new(),
        };
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => {
                errors.push(
                    "SOURCES_TOML_SYNTAX",
                    error.span(),
                    format!("TOML 格式错误：{}", error.message().trim()),
                );
                return Err(errors.list);
            }
        };
        let mut registry = Registry::default();
        let mut codes: BTreeSet<String> = BTreeSet::new();
        // Which source first claimed each (kind, attribute), valid or not, so that a
        // second claim is reported even when the first source has other problems.
        let mut claimed: BTreeMap<(SubjectKind, String), String> = BTreeMap::new();
        for raw_source in raw.source {
            if let Some(source) = check_source(&mut errors, raw_source, &mut codes, &mut claimed) {
                let index = registry.sources.len();
                for attribute in &source.attributes {
                    registry.serving.insert((source.subject, attribute.clone()), index);
                }
                registry.sources.push(source);
            }
        }
        if errors.list.is_empty() {
            Ok(registry)
        } else {
            Err(errors.list)
        }
    }

    /// Every source, in file order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The source with this code.
    pub fn source(&self, code: &str) -> Option<&Source> {
        self.sources.iter().find(|source| source.code == code)
    }

    /// The one source serving `attribute` of subjects of `kind` (一数一源).
    pub fn serving(&self, kind: SubjectKind, attribute: &str) -> Option<&Source> {
        self.serving
            .get(&(kind, attribute.to_owned()))
            .and_then(|&index| self.sources.get(index))
    }

    /// Every attribute served for subjects of `kind`, sorted.
    pub fn attributes(&self, kind: SubjectKind) -> Vec<&str> {
        self.serving
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, attribute)| attribute.as_str())
            .collect()
    }

    /// The distinct department codes owning a source, sorted, for the caller to
    /// check against the catalog's departments.
    pub fn departments(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.sources.iter().map(|s| s.department.as_str()).collect();
        set.into_iter().collect()
    }
}

/// One problem in `sources.toml`, with its file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The path given to [`Registry::load`].
    pub file: String,
    /// 1-based line, when the place is known.
    pub line: Option<usize>,
    code: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl LoadError {
    /// A stable machine-readable code, e.g. `SOURCE_DUPLICATE_CODE`.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

struct Errors<'a> {
    path: &'a str,
    text: &'a str,
    list: Vec<LoadError>,
}

impl Errors<'_> {
    fn push(&mut self, code: &'static str, span: Option<Range<usize>>, message: String) {
        let line = span.map(|span| line_of(self.text, span.start));
        self.list.push(LoadError {
            file: self.path.to_owned(),
            line,
            code,
            message,
        });
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

type Text = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    code: Text,
    name: Text,
    department: Text,
    subject: Text,
    attributes: Spanned<Vec<Text>>,
    legal_basis: Text,
    http: Option<Spanned<RawHttp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    url: Text,
    records_at: Option<Text>,
    status: Option<RawStatus>,
    #[serde(default)]
    fields: BTreeMap<Text, Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    at: Text,
    ok: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    field: Text,
    format: Option<Text>,
    codes: Option<BTreeMap<String, String>>,
}

/// Lower snake case starting with a letter: usable as a CEL variable.
fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_department_code(text: &str) -> bool {
    (2..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_dotted_path(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(|segment| !segment.is_empty())
}

fn check_source(
    errors: &mut Errors<'_>,
    raw: RawSource,
    codes: &mut BTreeSet<String>,
    claimed: &mut BTreeMap<(SubjectKind, String), String>,
) -> Option<Source> {
    let before = errors.list.len();
    let code = raw.code.get_ref().clone();
    if !is_identifier(&code) {
        errors.push(
            "SOURCE_CODE_INVALID",
            Some(raw.code.span()),
            format!("数据源代码“{code}”无效：应为小写字母开头的小写字母、数字和下划线"),
        );
    } else if !codes.insert(code.clone()) {
        errors.push(
            "SOURCE_DUPLICATE_CODE",
            Some(raw.code.span()),
            format!("数据源代码“{code}”重复"),
        );
    }
    for (field, value) in [("name", &raw.name), ("legal_basis", &raw.legal_basis)] {
        if value.get_ref().trim().is_empty() {
            errors.push(
                "SOURCE_FIELD_EMPTY",
                Some(value.span()),
                format!("数据源“{code}”的 {field} 不能为空"),
            );
        }
    }
    if !is_department_code(raw.department.get_ref()) {
        errors.push(
            "SOURCE_DEPARTMENT_INVALID",
            Some(raw.department.span()),
            format!(
                "数据源“{code}”的部门代码“{}”无效：应为2至8个大写字母",
                raw.department.get_ref()
            ),
        );
    }
    let subject = SubjectKind::parse(raw.subject.get_ref());
    if subject.is_none() {
        errors.push(
            "SOURCE_SUBJECT_UNKNOWN",
            Some(raw.subject.span()),
            format!(
                "数据源“{code}”的主体类型“{}”不存在（可选：person、enterprise）",
                raw.subject.get_ref()
            ),
        );
    }
    if raw.attributes.get_ref().is_empty() {
        errors.push(
            "SOURCE_NO_ATTRIBUTES",
            Some(raw.attributes.span()),
            format!("数据源“{code}”没有列出任何属性"),
        );
    }
    let mut attributes: Vec<String> = Vec::new();
    for attribute in raw.attributes.get_ref() {
        let name = attribute.get_ref();
        let span = Some(attribute.span());
        if !is_identifier(name) {
            errors.push(
                "SOURCE_ATTRIBUTE_INVALID",
                span,
                format!("数据源“{code}”的属性名“{name}”无效：应为小写字母开头的小写字母、数字和下划线"),
            );
            continue;
        }
        if attributes.contains(name) {
            errors.push(
                "SOURCE_ATTRIBUTE_REPEATED",
                span,
                format!("数据源“{code}”重复列出属性“{name}”"),
            );
            continue;
        }
        if name == AGE {
            errors.push(
                "SOURCE_ATTRIBUTE_RESERVED",
                span,
                format!("属性名“{AGE}”保留给由出生日期计算的年龄，数据源“{code}”不能提供"),
            );
            continue;
        }
        if let Some(kind) = subject {
            if name == kind.key_name() {
                errors.push(
                    "SOURCE_ATTRIBUTE_RESERVED",
                    span,
                    format!(
                        "“{name}”是{}的主体标识，调用方查询前已知道，不能作为数据源“{code}”的属性",
                        kind.label_zh()
                    ),
                );
                continue;
            }
            if let Some(other) = claimed.get(&(kind, name.clone())) {
                errors.push(
                    "SOURCE_ATTRIBUTE_TWO_SOURCES",
                    span,
                    format!(
                        "{}属性“{name}”已由数据源“{other}”提供，不能再由“{code}”提供（一数一源）",
                        kind.label_zh()
                    ),
                );
                continue;
            }
            claimed.insert((kind, name.clone()), code.clone());
        }
        attributes.push(name.clone());
    }
    let http = raw
        .http
        .and_then(|http| check_http(errors, &code, http.into_inner(), &attributes));
    let subject = subject?;
    if errors.list.len() != before {
        return None;
    }
    Some(Source {
        code,
        name: raw.name.into_inner(),
        department: raw.department.into_inner(),
        subject,
        attributes,
        legal_basis: raw.legal_basis.into_inner(),
        http,
    })
}

fn check_http(errors: &mut Errors<'_>, code: &str, raw: RawHttp, attributes: &[String]) -> Option<HttpMapping> {
    let before = errors.list.len();
    let url = raw.url.get_ref();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        errors.push(
            "SOURCE_HTTP_URL_INVALID",
            Some(raw.url.span()),
            format!("数据源“{code}”的接口地址应以 http:// 或 https:// 开头"),
        );
    }
    if !url.contains(crate::mapping::SUBJECT_PLACEHOLDER) {
        errors.push(
            "SOURCE_HTTP_URL_NO_SUBJECT",
            Some(raw.url.span()),
            format!(
                "数据源“{code}”的接口地址缺少占位符 {}，无法按主体查询",
                crate::mapping::SUBJECT_PLACEHOLDER
            ),
        );
    }
    if let Some(records_at) = &raw.records_at
        && !is_dotted_path(records_at.get_ref())
    {
        errors.push(
            "SOURCE_HTTP_PATH_INVALID",
            Some(records_at.span()),
            format!(
                "数据源“{code}”的 records_at“{}”无效：应为以点分隔的字段路径",
                records_at.get_ref()
            ),
        );
    }
    let status = match raw.status {
        None => None,
        Some(status) => {
            if !is_dotted_path(status.at.get_ref()) {
                errors.push(
                    "SOURCE_HTTP_PATH_INVALID",
                    Some(status.at.span()),
                    format!(
                        "数据源“{code}”的 status.at“{}”无效：应为以点分隔的字段路径",
                        status.at.get_ref()
                    ),
                );
            }
            let mut ok = Vec::new();
            for value in &status.ok {
                match value {
                    toml::Value::String(text) => ok.push(text.clone()),
                    toml::Value::Integer(number) => ok.push(number.to_string()),
                    toml::Value::Boolean(flag) => ok.push(flag.to_string()),
                    _ => errors.push(
                        "SOURCE_HTTP_STATUS_INVALID",
                        Some(status.at.span()),
                        format!("数据源“{code}”的 status.ok 只能列出字符串、整数或布尔值"),
                    ),
                }
            }
            if ok.is_empty() {
                errors.push(
                    "SOURCE_HTTP_STATUS_INVALID",
                    Some(status.at.span()),
                    format!("数据源“{code}”的 status.ok 至少要列出一个表示成功的值"),
                );
            }
            Some(crate::mapping::StatusCheck {
                at: status.at.into_inner(),
                ok,
            })
        }
    };
    let mut fields = BTreeMap::new();
    for (attribute, field) in raw.fields {
        let field_span = field.span();
        let field = field.into_inner();
        if !attributes.iter().any(|a| a == attribute.get_ref()) {
            errors.push(
                "SOURCE_HTTP_UNKNOWN_ATTRIBUTE",
                Some(attribute.span()),
                format!(
                    "数据源“{code}”的接口映射了它不提供的属性“{}”（可选：{}）",
                    attribute.get_ref(),
                    attributes.join("、")
                ),
            );
        }
        if !is_dotted_path(field.field.get_ref()) {
            errors.push(
                "SOURCE_HTTP_PATH_INVALID",
                Some(field.field.span()),
                format!("数据源“{code}”属性“{}”的 field 不能为空", attribute.get_ref()),
            );
        }
        let format = match &field.format {
            None => Format::Text,
            Some(name) => match Format::parse(name.get_ref()) {
                Some(format) => format,
                None => {
                    errors.push(
                        "SOURCE_HTTP_FORMAT_UNKNOWN",
                        Some(name.span()),
                        format!(
                            "数据源“{code}”属性“{}”的格式“{}”不存在（可选：{}）",
                            attribute.get_ref(),
                            name.get_ref(),
                            Format::NAMES.join("、")
                        ),
                    );
                    Format::Text
                }
            },
        };
        if field.format.is_some() && field.codes.is_some() {
            errors.push(
                "SOURCE_HTTP_FORMAT_AND_CODES",
                Some(field_span),
                format!(
                    "数据源“{code}”属性“{}”不能同时设置 format 和 codes",
                    attribute.get_ref()
                ),
            );
        }
        fields.insert(
            attribute.into_inner(),
            FieldMap {
                field: field.field.into_inner(),
                format,
                codes: field.codes.unwrap_or_default(),
            },
        );
    }
    if fields.is_empty() {
        errors.push(
            "SOURCE_HTTP_NO_FIELDS",
            Some(raw.url.span()),
            format!("数据源“{code}”的接口没有映射任何属性（[source.http.fields]）"),
        );
    }
    if errors.list.len() != before {
        return None;
    }
    Some(HttpMapping {
        url: raw.url.into_inner(),
        records_at: raw.records_at.map(Spanned::into_inner),
        status,
        fields,
    })
}
