//! Applicability conditions: CEL expressions over the answers to situation questions.
//!
//! Each question is a CEL variable holding the chosen option's value as a string.
//! A condition is compiled once when the catalog loads; [`Condition::check`] finds
//! the names and option values it uses so that the catalog check can refuse a
//! condition that names an unknown question or option.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{Expr, IdedExpr, LiteralValue};
use cel::objects::Value;
use cel::{Context, Env, Program};
use serde::{Serialize, Serializer};

use crate::model::Question;

/// A compiled CEL condition with its source text.
#[derive(Clone)]
pub struct Condition {
    source: String,
    program: Arc<Program>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition").field(&self.source).finish()
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// Why a condition could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("条件表达式无法解析：{0}")]
    Parse(String),
    #[error("条件引用了不存在的情形问题“{0}”")]
    UnknownQuestion(String),
    #[error("条件把问题“{question}”与不存在的选项“{value}”比较（可选：{allowed}）")]
    UnknownOption {
        question: String,
        value: String,
        allowed: String,
    },
    #[error("条件求值失败：{0}")]
    Evaluation(String),
    #[error("条件的结果不是真假值，而是 {0}")]
    NotBoolean(String),
}

impl Condition {
    /// Compiles `source`. Syntax errors are reported; names are checked by [`Self::check`].
    pub fn compile(source: &str) -> Result<Self, ConditionError> {
        let program = Program::compile(source).map_err(|error| ConditionError::Parse(error.to_string()))?;
        Ok(Self {
            source: source.to_owned(),
            program: Arc::new(program),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The question ids this condition reads.
    pub fn variables(&self) -> BTreeSet<String> {
        self.program
            .references()
            .variables()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Checks every variable is a question and every literal compared with a
    /// question is one of its options. Returns all problems found.
    pub fn check(&self, questions: &[Question]) -> Vec<ConditionError> {
        let mut errors = Vec::new();
        for variable in self.variables() {
            if !questions.iter().any(|question| question.id == variable) {
                errors.push(ConditionError::UnknownQuestion(variable));
            }
        }
        let mut comparisons = Vec::new();
        collect_comparisons(self.program.expression(), &mut comparisons);
        for (question_id, value) in comparisons {
            let Some(question) = questions.iter().find(|q| q.id == question_id) else {
                continue;
            };
            if question.option(&value).is_none() {
                errors.push(ConditionError::UnknownOption {
                    question: question_id,
                    value,
                    allowed: question
                        .options
                        .iter()
                        .map(|option| option.value.as_str())
                        .collect::<Vec<_>>()
                        .join("、"),
                });
            }
        }
        errors
    }

    /// The condition in words for people: “退休类型？”选“提前退休”; a question with
    /// several options joins them with 或. Conditions other than one question's
    /// equality or `in` list (&&, ||, !=) are shown as written.
    pub fn describe(&self, questions: &[Question]) -> String {
        if ["&&", "||", "!=", "!"].iter().any(|op| self.source.contains(op)) {
            return self.source.clone();
        }
        let mut comparisons = Vec::new();
        collect_comparisons(self.program.expression(), &mut comparisons);
        let Some((first, _)) = comparisons.first() else {
            return self.source.clone();
        };
        let Some(question) = questions.iter().find(|q| &q.id == first) else {
            return self.source.clone();
        };
        if comparisons.iter().any(|(id, _)| id != first) {
            return self.source.clone();
        }
        let labels: Vec<String> = comparisons
            .iter()
            .map(|(_, value)| {
                let label = question.option(value).map_or(value.as_str(), |o| o.label.as_str());
                format!("“{label}”")
            })
            .collect();
        format!("“{}”选{}", question.text, labels.join("或"))
    }

    /// Evaluates the condition with each question bound to its answer.
    pub fn evaluate(&self, answers: &BTreeMap<String, String>) -> Result<bool, ConditionError> {
        self.evaluate_in(&AnswerContext::new(answers))
    }

    /// Evaluates the condition in a context built once for many conditions.
    pub fn evaluate_in(&self, context: &AnswerContext) -> Result<bool, ConditionError> {
        match self.program.execute(&context.0) {
            Ok(Value::Bool(result)) => Ok(result),
            Ok(other) => Err(ConditionError::NotBoolean(format!("{other:?}"))),
            Err(error) => Err(ConditionError::Evaluation(error.to_string())),
        }
    }
}

/// The answers bound as CEL variables, built once and shared by every condition
/// of a plan.
pub struct AnswerContext(Context<'static, 'static>);

/// The CEL standard environment, built once: building it registers every standard
/// function and was most of the cost of a plan.
fn standard_env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

impl AnswerContext {
    pub fn new(answers: &BTreeMap<String, String>) -> Self {
        let mut context = Context::with_env(standard_env());
        for (question, value) in answers {
            context.add_variable_from_value(question.as_str(), Value::String(Arc::new(value.clone())));
        }
        Self(context)
    }
}

/// Collects `(question, literal)` pairs from `q == 'x'`, `'x' == q`, `q != 'x'`
/// and `q in ['x', 'y']` anywhere in the expression.
fn collect_comparisons(node: &IdedExpr, found: &mut Vec<(String, String)>) {
    match &node.expr {
        Expr::Call(call) => {
            let args = &call.args;
            let is_equality = call.func_name == "_==_" || call.func_name == "_!=_";
            if is_equality && args.len() == 2 {
                for (left, right) in [(&args[0], &args[1]), (&args[1], &args[0])] {
                    if let (Expr::Ident(name), Some(value)) = (&left.expr, string_literal(right)) {
                        found.push((name.clone(), value));
                    }
                }
            }
            if call.func_name == "@in"
                && args.len() == 2
                && let (Expr::Ident(name), Expr::List(list)) = (&args[0].expr, &args[1].expr)
            {
                for element in &list.elements {
                    if let Some(value) = string_literal(element) {
                        found.push((name.clone(), value));
                    }
                }
            }
            if let Some(target) = &call.target {
                collect_comparisons(target, found);
            }
            for arg in args {
                collect_comparisons(arg, found);
            }
        }
        Expr::List(list) => {
            for element in &list.elements {
                collect_comparisons(element, found);
            }
        }
        Expr::Select(select) => collect_comparisons(&select.operand, found),
        _ => {}
    }
}

fn string_literal(node: &IdedExpr) -> Option<String> {
    match &node.expr {
        Expr::Literal(LiteralValue::String(text)) => Some(text.inner().to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::QuestionOption;

    fn yes_no(id: &str) -> Question {
        Question {
            id: id.into(),
            text: id.into(),
            options: ["yes", "no"]
                .iter()
                .map(|v| QuestionOption {
                    value: (*v).into(),
                    label: (*v).into(),
                })
                .collect(),
            when: None,
        }
    }

    #[test]
    fn finds_unknown_questions_and_options() {
        let questions = [yes_no("married"), yes_no("local")];
        let condition = Condition::compile("married == 'maybe' && other == 'yes' || local in ['yes', 'nope']").unwrap();
        let errors = condition.check(&questions);
        assert!(errors.contains(&ConditionError::UnknownQuestion("other".into())));
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, ConditionError::UnknownOption { value, .. } if value == "maybe"))
        );
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, ConditionError::UnknownOption { value, .. } if value == "nope"))
        );
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn evaluates_over_answers() {
        let condition = Condition::compile("married == 'yes' && local != 'no'").unwrap();
        let mut answers = BTreeMap::from([
            ("married".to_owned(), "yes".to_owned()),
            ("local".to_owned(), "yes".to_owned()),
        ]);
        assert!(condition.evaluate(&answers).unwrap());
        answers.insert("local".into(), "no".into());
        assert!(!condition.evaluate(&answers).unwrap());
    }

    #[test]
    fn refuses_syntax_errors_and_non_boolean_results() {
        assert!(matches!(
            Condition::compile("married == "),
            Err(ConditionError::Parse(_))
        ));
        let condition = Condition::compile("married").unwrap();
        let answers = BTreeMap::from([("married".to_owned(), "yes".to_owned())]);
        assert!(matches!(
            condition.evaluate(&answers),
            Err(ConditionError::NotBoolean(_))
        ));
    }
}
