//! Usable-but-not-visible predicates (可用不可见): a department asks a yes/no question
//! about a subject as a CEL expression over the subject's attributes and gets only the
//! boolean, never the values.
//!
//! Variables: every attribute served for the subject kind (as strings); `age`, the
//! full years at `today` derived from `birth_date`, when `birth_date` is served for
//! the kind; and the subject key (`id_number` for persons, `uscc` for enterprises).
//! The CEL standard library is available without regular expressions: `==`, `!=`,
//! `<`, `in [...]`, `&&`, `||`, `!`, `? :`, `size()`, `contains()`, `startsWith()`,
//! `endsWith()`, `int()`, `string()`, work; `matches()` does not (the `cel` crate is
//! built without its `regex` feature) and is refused when compiling.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use cel::objects::Value;
use cel::{Context, Env, Program};
use chrono::{Datelike, NaiveDate};

use crate::registry::{AGE, Registry, SubjectKind};

/// The longest expression accepted, in characters.
pub const MAX_PREDICATE_CHARS: usize = 500;

/// The attribute `age` is derived from.
const BIRTH_DATE: &str = "birth_date";

/// Functions of standard CEL this build cannot run, refused when compiling.
const UNSUPPORTED_FUNCTIONS: [&str; 3] = ["matches", "timestamp", "duration"];

/// A compiled predicate over one kind of subject.
#[derive(Clone)]
pub struct Predicate {
    source: String,
    program: Arc<Program>,
    kind: SubjectKind,
    /// The variables the expression reads, sorted.
    variables: Vec<String>,
    /// The attributes to fetch (`age` replaced by `birth_date`, the key left out), sorted.
    attributes: Vec<String>,
}

impl fmt::Debug for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Predicate")
            .field("source", &self.source)
            .field("kind", &self.kind)
            .field("attributes", &self.attributes)
            .finish()
    }
}

/// Why a predicate could not be compiled or answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PredicateError {
    #[error("判断条件过长：最多 {max} 个字符，实际 {length} 个")]
    TooLong { length: usize, max: usize },
    #[error("判断条件无法解析：{0}")]
    Parse(String),
    #[error("判断条件引用了不存在的属性“{name}”（可用：{allowed}）")]
    UnknownVariable { name: String, allowed: String },
    #[error("判断条件使用了不支持的函数“{name}”")]
    UnsupportedFunction { name: String },
    #[error("共享数据中没有该主体的“{attribute}”，无法判断")]
    NoData { attribute: String },
    #[error("共享数据中“{attribute}”的值“{value}”不是有效日期，无法计算年龄")]
    InvalidData { attribute: String, value: String },
    #[error("判断条件的结果不是真假值，而是 {0}")]
    NotBoolean(String),
    #[error("判断条件求值失败：{0}")]
    Evaluation(String),
}

impl PredicateError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong { .. } => "PREDICATE_TOO_LONG",
            Self::Parse(_) => "PREDICATE_PARSE",
            Self::UnknownVariable { .. } => "PREDICATE_UNKNOWN_VARIABLE",
            Self::UnsupportedFunction { .. } => "PREDICATE_UNSUPPORTED_FUNCTION",
            Self::NoData { .. } => "PREDICATE_NO_DATA",
            Self::InvalidData { .. } => "PREDICATE_INVALID_DATA",
            Self::NotBoolean(_) => "PREDICATE_NOT_BOOLEAN",
            Self::Evaluation(_) => "PREDICATE_EVALUATION",
        }
    }
}

/// The CEL standard environment, built once.
fn standard_env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

/// The variables a predicate over `kind` may read, sorted.
pub fn predicate_variables(registry: &Registry, kind: SubjectKind) -> Vec<String> {
    let mut names: BTreeSet<String> = registry.attributes(kind).into_iter().map(str::to_owned).collect();
    if names.contains(BIRTH_DATE) {
        names.insert(AGE.to_owned());
    }
    names.insert(kind.key_name().to_owned());
    names.into_iter().collect()
}

impl Predicate {
    /// Compiles `expr` for subjects of `kind`: refuses expressions over
    /// [`MAX_PREDICATE_CHARS`] characters, syntax errors, unknown variables (named)
    /// and unsupported functions.
    pub fn compile(expr: &str, registry: &Registry, kind: SubjectKind) -> Result<Predicate, PredicateError> {
        let length = expr.chars().count();
        if length > MAX_PREDICATE_CHARS {
            return Err(PredicateError::TooLong {
                length,
                max: MAX_PREDICATE_CHARS,
            });
        }
        let program = standard_env()
            .compile(expr)
            .map_err(|error| PredicateError::Parse(error.to_string()))?;
        let references = program.references();
        if let Some(name) = UNSUPPORTED_FUNCTIONS.iter().find(|name| references.has_function(name)) {
            return Err(PredicateError::UnsupportedFunction {
                name: (*name).to_owned(),
            });
        }
        let allowed = predicate_variables(registry, kind);
        let mut variables: Vec<String> = references.variables().into_iter().map(str::to_owned).collect();
        variables.sort();
        variables.dedup();
        if let Some(name) = variables.iter().find(|name| !allowed.contains(name)) {
            return Err(PredicateError::UnknownVariable {
                name: name.clone(),
                allowed: allowed.join("、"),
            });
        }
        let mut attributes: Vec<String> = variables
            .iter()
            .filter(|name| name.as_str() != kind.key_name())
            .map(|name| {
                if name == AGE {
                    BIRTH_DATE.to_owned()
                } else {
                    name.clone()
                }
            })
            .collect();
        attributes.sort();
        attributes.dedup();
        Ok(Predicate {
            source: expr.to_owned(),
            program: Arc::new(program),
            kind,
            variables,
            attributes,
        })
    }

    /// The attributes it reads (`age` counts as `birth_date`; the subject key is not
    /// an attribute), sorted: the caller fetches only these and records them.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// Whether it reads the subject key (`id_number`/`uscc`), which [`Self::evaluate`]
    /// then expects in `values` under that name.
    pub fn reads_key(&self) -> bool {
        self.variables.iter().any(|name| name == self.kind.key_name())
    }

    /// The subject kind it was compiled for.
    pub fn kind(&self) -> SubjectKind {
        self.kind
    }

    /// The codes of the sources serving its attributes, in registry order.
    pub fn sources(&self, registry: &Registry) -> Vec<String> {
        registry
            .sources()
            .iter()
            .filter(|source| {
                source.subject == self.kind && self.attributes.iter().any(|attribute| source.serves(attribute))
            })
            .map(|source| source.code.clone())
            .collect()
    }

    /// Answers the question for one subject. `values` holds the subject's attributes
    /// (and the key, if [`Self::reads_key`]); `today` fixes `age` (full years: the age
    /// goes up on the birthday itself; a 29 February birthday counts on 1 March in
    /// common years).
    pub fn evaluate(&self, values: &BTreeMap<String, String>, today: NaiveDate) -> Result<bool, PredicateError> {
        let mut context = Context::with_env(standard_env());
        for name in &self.variables {
            if name == AGE {
                let text = values.get(BIRTH_DATE).ok_or_else(|| PredicateError::NoData {
                    attribute: BIRTH_DATE.to_owned(),
                })?;
                let birth =
                    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| PredicateError::InvalidData {
                        attribute: BIRTH_DATE.to_owned(),
                        value: text.clone(),
                    })?;
                context.add_variable_from_value(AGE, Value::Int(full_years(birth, today)));
            } else {
                let value = values.get(name).ok_or_else(|| PredicateError::NoData {
                    attribute: name.clone(),
                })?;
                context.add_variable_from_value(name.as_str(), Value::String(Arc::new(value.clone())));
            }
        }
        match self.program.execute(&context) {
            Ok(Value::Bool(answer)) => Ok(answer),
            Ok(other) => Err(PredicateError::NotBoolean(format!("{other:?}"))),
            Err(error) => Err(PredicateError::Evaluation(error.to_string())),
        }
    }

    /// The expression as written.
    pub fn source_text(&self) -> &str {
        &self.source
    }
}

/// Full years from `birth` to `today` (negative if `birth` is later).
pub fn full_years(birth: NaiveDate, today: NaiveDate) -> i64 {
    let mut years = i64::from(today.year()) - i64::from(birth.year());
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn full_years_turn_on_the_birthday() {
        assert_eq!(full_years(date(1966, 5, 10), date(2026, 5, 9)), 59);
        assert_eq!(full_years(date(1966, 5, 10), date(2026, 5, 10)), 60);
        assert_eq!(full_years(date(2004, 2, 29), date(2022, 2, 28)), 17);
        assert_eq!(full_years(date(2004, 2, 29), date(2022, 3, 1)), 18);
        assert_eq!(full_years(date(2030, 1, 1), date(2026, 1, 1)), -4);
    }
}
