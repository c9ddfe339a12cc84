#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Eligibility (免申即享): a benefit policy of the catalog evaluated over one subject's
//! shared data on a given day. The result is the decision, the amount in integer fen
//! for the period and, for each named condition, whether it held: the reasons shown to
//! the person. Raw values never leave: a reason names the attributes it read, not
//! their values.
//!
//! Pure: the caller passes the subject's attributes and `today`.
//!
//! Two ways to evaluate, with the same results: [`CompiledPolicy::evaluate`], one
//! subject through the CEL interpreter (the reference, and what the catalog check
//! parses), and [`CompiledPolicy::evaluate_population`], a whole [`Population`] held
//! as columns through the fast evaluator (`fast`), which compiles the part of CEL the
//! catalog uses into typed expressions and leaves any other policy to the interpreter.
//! The nightly runs over a million people use the second.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use catalog::policy::{AGE_VARIABLE, DerivedKind, PeriodUnit, Policy};
use cel::objects::Value;
use cel::{Context, Env, Program};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

mod fast;
mod population;

pub use population::Population;

use fast::{Binding, FastAmount, FastCondition, Source};

/// Why a policy could not be compiled (the catalog check already parsed it, so this
/// means a catalog built by other means).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("政策“{policy}”的表达式“{expression}”无法编译：{message}")]
pub struct CompileError {
    pub policy: String,
    pub expression: String,
    pub message: String,
}

/// The period a finding covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The calendar year or month containing `today`.
    pub fn containing(unit: PeriodUnit, today: NaiveDate) -> Period {
        match unit {
            PeriodUnit::Year => Period {
                start: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
                end: NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today),
            },
            PeriodUnit::Month => {
                let start = today.with_day(1).unwrap_or(today);
                Period {
                    start,
                    end: last_of_month(start),
                }
            }
        }
    }

    /// `2026` or `2026-12`: the key of a finding.
    pub fn key(&self) -> String {
        if self.start.month() == 1 && self.end.month() == 12 {
            format!("{}", self.start.year())
        } else {
            format!("{}-{:02}", self.start.year(), self.start.month())
        }
    }

    /// 2026年度 or 2026年12月.
    pub fn label_zh(&self) -> String {
        if self.start.month() == 1 && self.end.month() == 12 {
            format!("{}年度", self.start.year())
        } else {
            format!("{}年{}月", self.start.year(), self.start.month())
        }
    }
}

fn last_of_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first)
}

/// One named condition and whether it held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub id: String,
    /// The Chinese label from the policy.
    pub label: String,
    pub held: bool,
    /// The attributes it read (`age` counts as `birth_date`).
    pub reads: Vec<String>,
    /// Attributes it needed that the shared data do not have for this subject
    /// (the condition then does not hold).
    pub missing: Vec<String>,
}

/// The outcome of one policy for one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub qualifies: bool,
    /// For the period, in fen; 0 when not qualifying.
    pub amount_fen: i64,
    pub period: Period,
    /// The policy is in force during the period.
    pub in_force: bool,
    pub reasons: Vec<Reason>,
    /// Who receives it: the first present payee attribute, else the subject (`None`).
    pub payee: Option<String>,
}

struct CompiledExpression {
    program: Arc<Program>,
    variables: Vec<String>,
}

/// A policy ready to evaluate many subjects.
pub struct CompiledPolicy {
    policy: Policy,
    conditions: Vec<CompiledExpression>,
    amount: CompiledExpression,
    /// The fast form, when every expression of the policy has one.
    fast: Option<FastPolicy>,
}

/// A policy compiled for [`CompiledPolicy::evaluate_population`]: every variable an
/// expression reads is a slot (at most 64, so that a subject's known ones are a mask).
struct FastPolicy {
    variables: Vec<(String, Source)>,
    conditions: Vec<FastConditionPlan>,
    amount: FastAmount,
    /// The slots the amount reads.
    amount_reads: u64,
}

struct FastConditionPlan {
    expression: FastCondition,
    /// The slots it reads.
    mask: u64,
    /// What the reason says it read (as `Reason::reads`).
    reads: Vec<String>,
    /// Each slot it reads, by name, with the attributes named missing when the slot
    /// is not known (as `Reason::missing`).
    missing: Vec<(usize, Vec<String>)>,
}

/// What one policy found for one subject of a [`Population`], without the reasons'
/// text: [`CompiledPolicy::evaluation`] turns it into the full [`Evaluation`] for the
/// subjects that need it (those found, those withdrawn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub qualifies: bool,
    /// In fen; 0 when not qualifying.
    pub amount_fen: i64,
    /// Bit `i` set when condition `i` held.
    held: u64,
    /// Bit `j` set when variable slot `j` was known.
    known: u64,
}

impl Outcome {
    /// Whether condition `index` (in the policy's order) held.
    pub fn held(&self, index: usize) -> bool {
        index < 64 && self.held & (1 << index) != 0
    }
}

fn standard_env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(Env::stdlib())).clone()
}

fn compile(policy: &Policy, expression: &str) -> Result<CompiledExpression, CompileError> {
    let program = standard_env().compile(expression).map_err(|error| CompileError {
        policy: policy.id.clone(),
        expression: expression.to_owned(),
        message: error.to_string(),
    })?;
    let mut variables: Vec<String> = program
        .references()
        .variables()
        .into_iter()
        .map(str::to_owned)
        .collect();
    variables.sort();
    variables.dedup();
    Ok(CompiledExpression {
        program: Arc::new(program),
        variables,
    })
}

/// Money written in yuan (`1234.5`, `1234.56`, `1234`) as fen; `None` when it is not.
pub fn yuan_to_fen(text: &str) -> Option<i64> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || fraction.len() > 2 {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// Fen as yuan with two decimals: `3600.00`.
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// The months of `period` (from `not_before` on) counted for a child born on `birth`
/// under a "until the `years`th birthday" rule: from the birth month to the month
/// before the month of the `years`th birthday, so a child is counted for exactly
/// `12 × years` months over its life (also when born on 29 February, whose birthday
/// month is February even in years without that day).
pub fn months_under_age(birth: NaiveDate, years: u32, period: Period, not_before: NaiveDate) -> i64 {
    let month_index = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
    let first_counted = month_index(birth);
    let first_not_counted = first_counted + 12 * i64::from(years);
    let mut count = 0;
    let mut first = period.start;
    while first <= period.end {
        let month = month_index(first);
        if last_of_month(first) >= not_before && month >= first_counted && month < first_not_counted {
            count += 1;
        }
        match first.checked_add_months(Months::new(1)) {
            Some(next) => first = next,
            None => break,
        }
    }
    count
}

impl CompiledPolicy {
    pub fn compile(policy: &Policy) -> Result<CompiledPolicy, CompileError> {
        let conditions = policy
            .conditions
            .iter()
            .map(|condition| compile(policy, &condition.expression))
            .collect::<Result<Vec<_>, _>>()?;
        let amount = compile(policy, &policy.amount_fen)?;
        let fast = FastPolicy::compile(policy, &conditions, &amount);
        Ok(CompiledPolicy {
            policy: policy.clone(),
            conditions,
            amount,
            fast,
        })
    }

    /// Whether [`CompiledPolicy::evaluate_population`] uses the fast evaluator (every
    /// expression of the policy is in the part of CEL it compiles) rather than the
    /// CEL interpreter for each subject.
    pub fn is_fast(&self) -> bool {
        self.fast.is_some()
    }

    /// Evaluates every subject of `population`, in order, for the period containing
    /// `today`: the same decision and amount as [`CompiledPolicy::evaluate`] on each
    /// subject's attributes.
    pub fn evaluate_population(&self, population: &Population, today: NaiveDate) -> Vec<Outcome> {
        let period = Period::containing(self.policy.period_unit, today);
        let in_force = self.in_force(period);
        let Some(fast) = &self.fast else {
            return (0..population.len())
                .map(|index| {
                    let evaluation = self.evaluate(&population.values(index), today);
                    let held = evaluation
                        .reasons
                        .iter()
                        .enumerate()
                        .filter(|(i, reason)| reason.held && *i < 64)
                        .fold(0u64, |held, (i, _)| held | (1 << i));
                    Outcome {
                        qualifies: evaluation.qualifies,
                        amount_fen: evaluation.amount_fen,
                        held,
                        known: 0,
                    }
                })
                .collect();
        };
        let binding = Binding::new(&fast.variables, population, today, period, self.policy.effective_from);
        let mut outcomes = Vec::with_capacity(population.len());
        for index in 0..population.len() {
            let known = binding.known(index);
            let mut held = 0u64;
            for (i, condition) in fast.conditions.iter().enumerate() {
                if condition.mask & !known == 0 && binding.holds(&condition.expression, index) {
                    held |= 1 << i;
                }
            }
            let all_held = held.count_ones() as usize == fast.conditions.len();
            let amount_fen = if in_force && all_held && fast.amount_reads & !known == 0 {
                binding.amount(&fast.amount, index).filter(|fen| *fen > 0).unwrap_or(0)
            } else {
                0
            };
            outcomes.push(Outcome {
                qualifies: amount_fen > 0,
                amount_fen,
                held,
                known,
            });
        }
        outcomes
    }

    /// The full evaluation of the `index`th subject of `population` from its
    /// [`Outcome`], equal to what [`CompiledPolicy::evaluate`] gives for it.
    pub fn evaluation(&self, population: &Population, index: usize, outcome: &Outcome, today: NaiveDate) -> Evaluation {
        let Some(fast) = &self.fast else {
            return self.evaluate(&population.values(index), today);
        };
        let policy = &self.policy;
        let period = Period::containing(policy.period_unit, today);
        let reasons = policy
            .conditions
            .iter()
            .zip(&fast.conditions)
            .enumerate()
            .map(|(i, (condition, plan))| Reason {
                id: condition.id.clone(),
                label: condition.label.clone(),
                held: outcome.held(i),
                reads: plan.reads.clone(),
                missing: plan
                    .missing
                    .iter()
                    .filter(|(slot, _)| outcome.known & (1 << *slot) == 0)
                    .flat_map(|(_, sources)| sources.iter().cloned())
                    .collect(),
            })
            .collect();
        let payee = policy.payee.iter().find_map(|attribute| {
            population
                .value(index, attribute)
                .filter(|v| !v.trim().is_empty())
                .map(str::to_owned)
        });
        Evaluation {
            qualifies: outcome.qualifies,
            amount_fen: outcome.amount_fen,
            period,
            in_force: self.in_force(period),
            reasons,
            payee,
        }
    }

    fn in_force(&self, period: Period) -> bool {
        period.end >= self.policy.effective_from && self.policy.effective_until.is_none_or(|u| period.start <= u)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The attributes to fetch for a subject: exactly the policy's `reads`.
    pub fn reads(&self) -> &[String] {
        &self.policy.reads
    }

    /// Evaluates the policy for one subject whose attributes (any subset of `reads`;
    /// others are ignored) are `values`, for the period containing `today`.
    pub fn evaluate(&self, values: &BTreeMap<String, String>, today: NaiveDate) -> Evaluation {
        let policy = &self.policy;
        let period = Period::containing(policy.period_unit, today);
        let in_force = self.in_force(period);
        // Every variable a condition may read, as a CEL value; absent when the data
        // lack what it needs.
        let mut known: BTreeMap<&str, Value> = BTreeMap::new();
        for attribute in &policy.reads {
            if let Some(value) = values.get(attribute) {
                known.insert(attribute.as_str(), Value::String(Arc::new(value.clone())));
            }
        }
        let birth = values
            .get("birth_date")
            .and_then(|text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok());
        if let Some(birth) = birth {
            known.insert(AGE_VARIABLE, Value::Int(sharing::full_years(birth, today)));
        }
        for derived in &policy.derived {
            let value = match &derived.kind {
                DerivedKind::MonthsUnderAge { years } => {
                    birth.map(|birth| months_under_age(birth, *years, period, policy.effective_from))
                }
                DerivedKind::Fen { attribute } => values.get(attribute).and_then(|text| yuan_to_fen(text)),
            };
            if let Some(value) = value {
                known.insert(derived.name.as_str(), Value::Int(value));
            }
        }
        let source_of = |name: &str| source_of(policy, name);
        let mut reasons = Vec::with_capacity(self.conditions.len());
        for (condition, compiled) in policy.conditions.iter().zip(&self.conditions) {
            let mut reads: Vec<String> = compiled.variables.iter().flat_map(|v| source_of(v)).collect();
            reads.sort();
            reads.dedup();
            let missing: Vec<String> = compiled
                .variables
                .iter()
                .filter(|v| !known.contains_key(v.as_str()))
                .flat_map(|v| source_of(v))
                .collect();
            let held = missing.is_empty() && run(compiled, &known).is_some_and(|value| value == Value::Bool(true));
            reasons.push(Reason {
                id: condition.id.clone(),
                label: condition.label.clone(),
                held,
                reads,
                missing,
            });
        }
        let qualifies = in_force && reasons.iter().all(|reason| reason.held);
        let amount_fen = if qualifies {
            match run(&self.amount, &known) {
                Some(Value::Int(fen)) if fen > 0 => fen,
                Some(Value::UInt(fen)) => i64::try_from(fen).unwrap_or(0),
                _ => 0,
            }
        } else {
            0
        };
        // A benefit of nothing is no benefit: the amount formula decides too.
        let qualifies = qualifies && amount_fen > 0;
        let payee = if policy.payee.is_empty() {
            None
        } else {
            policy
                .payee
                .iter()
                .find_map(|attribute| values.get(attribute).filter(|v| !v.trim().is_empty()).cloned())
        };
        Evaluation {
            qualifies,
            amount_fen,
            period,
            in_force,
            reasons,
            payee,
        }
    }
}

/// The attributes a variable is computed from (`age` counts as `birth_date`).
fn source_of(policy: &Policy, name: &str) -> Vec<String> {
    if name == AGE_VARIABLE {
        return vec!["birth_date".to_owned()];
    }
    match policy.derived.iter().find(|d| d.name == name).map(|d| &d.kind) {
        Some(DerivedKind::MonthsUnderAge { .. }) => vec!["birth_date".to_owned()],
        Some(DerivedKind::Fen { attribute }) => vec![attribute.clone()],
        None => vec![name.to_owned()],
    }
}

impl FastPolicy {
    /// The fast form of a policy, or `None` when an expression is outside what
    /// `fast` compiles, when it reads more than 64 names or has more than 64
    /// conditions, or when a name could mean two things (an attribute also named
    /// `age` or like a derived value: the catalog check refuses these).
    fn compile(policy: &Policy, conditions: &[CompiledExpression], amount: &CompiledExpression) -> Option<FastPolicy> {
        let mut names: Vec<&String> = conditions
            .iter()
            .chain(std::iter::once(amount))
            .flat_map(|compiled| &compiled.variables)
            .collect();
        names.sort();
        names.dedup();
        if names.len() > 64 || conditions.len() > 64 {
            return None;
        }
        let ambiguous = policy.reads.iter().any(|attribute| {
            attribute == AGE_VARIABLE || policy.derived.iter().any(|derived| &derived.name == attribute)
        }) || policy.derived.iter().enumerate().any(|(i, derived)| {
            derived.name == AGE_VARIABLE || policy.derived[..i].iter().any(|earlier| earlier.name == derived.name)
        });
        if ambiguous {
            return None;
        }
        let variables: Vec<(String, Source)> = names
            .into_iter()
            .map(|name| {
                let source = match policy.derived.iter().find(|d| &d.name == name).map(|d| &d.kind) {
                    Some(DerivedKind::MonthsUnderAge { years }) => Source::MonthsUnderAge(*years),
                    Some(DerivedKind::Fen { attribute }) => Source::Fen(attribute.clone()),
                    None if name == AGE_VARIABLE => Source::Age,
                    None if policy.reads.contains(name) => Source::Attribute(name.clone()),
                    None => Source::Unknown,
                };
                (name.clone(), source)
            })
            .collect();
        let slot = |name: &String| variables.iter().position(|(n, _)| n == name);
        let mask_of = |compiled: &CompiledExpression| -> Option<u64> {
            compiled
                .variables
                .iter()
                .map(|name| slot(name).map(|slot| 1u64 << slot))
                .try_fold(0u64, |mask, bit| Some(mask | bit?))
        };
        let plans = conditions
            .iter()
            .map(|compiled| {
                let mut reads: Vec<String> = compiled
                    .variables
                    .iter()
                    .flat_map(|name| source_of(policy, name))
                    .collect();
                reads.sort();
                reads.dedup();
                let missing = compiled
                    .variables
                    .iter()
                    .map(|name| Some((slot(name)?, source_of(policy, name))))
                    .collect::<Option<Vec<_>>>()?;
                Some(FastConditionPlan {
                    expression: fast::condition(compiled.program.expression(), &variables)?,
                    mask: mask_of(compiled)?,
                    reads,
                    missing,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(FastPolicy {
            amount: fast::amount(amount.program.expression(), &variables)?,
            amount_reads: mask_of(amount)?,
            conditions: plans,
            variables,
        })
    }
}

fn run(compiled: &CompiledExpression, known: &BTreeMap<&str, Value>) -> Option<Value> {
    let mut context = Context::with_env(standard_env());
    for name in &compiled.variables {
        context.add_variable_from_value(name.as_str(), known.get(name.as_str())?.clone());
    }
    compiled.program.execute(&context).ok()
}
