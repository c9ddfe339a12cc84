//! The fast evaluator: a policy's conditions and amount compiled from the CEL tree into
//! small typed expressions over the columns of a [`Population`], for the part of CEL
//! the catalog uses — integer, string and boolean literals, the policy's variables,
//! `int()`, `size()`, arithmetic, comparisons, `&&`, `||`, `!`, `? :` and `in` a list
//! of literals. The types are known before any subject is read (attributes are
//! strings, `age` and the derived values integers), so an expression that would mix
//! them is not compiled here: a policy with any expression outside this part is
//! evaluated by the CEL interpreter instead, so no policy ever evaluates differently.
//!
//! What CEL does on an error is kept exactly: `int('x')`, an overflow or a division by
//! zero is an error; `||` and `&&` absorb an error only when the other side decides;
//! a condition that errs does not hold and an amount that errs is nothing.

use cel::IdedExpr;
use cel::common::ast::{Expr, LiteralValue, operators};
use chrono::{Datelike, NaiveDate};

use crate::Period;
use crate::population::{Column, Population};

/// Where a variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A shared attribute, as text.
    Attribute(String),
    /// Full years since `birth_date`.
    Age,
    /// `DerivedKind::MonthsUnderAge`.
    MonthsUnderAge(u32),
    /// `DerivedKind::Fen`: the attribute read as yuan.
    Fen(String),
    /// Neither read nor derived: never known.
    Unknown,
}

impl Source {
    fn is_int(&self) -> bool {
        matches!(self, Source::Age | Source::MonthsUnderAge(_) | Source::Fen(_))
    }
}

/// A CEL evaluation error (the interpreter's message is not needed: an error only
/// makes a condition fail or an amount nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fail;

type Evaluated<T> = Result<T, Fail>;

#[derive(Clone, Copy, Debug)]
enum IntOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Copy, Debug)]
enum Compare {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Compare {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Compare::Eq => ordering == Equal,
            Compare::Ne => ordering != Equal,
            Compare::Lt => ordering == Less,
            Compare::Le => ordering != Greater,
            Compare::Gt => ordering == Greater,
            Compare::Ge => ordering != Less,
        }
    }
}

#[derive(Debug)]
enum IntExpr {
    Literal(i64),
    /// An integer variable (`age`, a derived value).
    Variable(usize),
    /// `int(x)` of a text variable: read from the parsed column.
    ParsedVariable(usize),
    Parse(Box<TextExpr>),
    /// `size(x)` of a text variable: read from the counted column.
    SizeOfVariable(usize),
    Size(Box<TextExpr>),
    Arithmetic(IntOp, Box<IntExpr>, Box<IntExpr>),
    Negate(Box<IntExpr>),
    Choose(Box<BoolExpr>, Box<IntExpr>, Box<IntExpr>),
}

#[derive(Debug)]
enum TextExpr {
    Literal(String),
    Variable(usize),
    Choose(Box<BoolExpr>, Box<TextExpr>, Box<TextExpr>),
}

#[derive(Debug)]
enum BoolExpr {
    Literal(bool),
    Not(Box<BoolExpr>),
    And(Box<BoolExpr>, Box<BoolExpr>),
    Or(Box<BoolExpr>, Box<BoolExpr>),
    Choose(Box<BoolExpr>, Box<BoolExpr>, Box<BoolExpr>),
    Ints(Compare, IntExpr, IntExpr),
    Texts(Compare, TextExpr, TextExpr),
    /// `==` (true) or `!=` (false) of two booleans.
    Bools(bool, Box<BoolExpr>, Box<BoolExpr>),
    IntIn(IntExpr, Vec<i64>),
    TextIn(TextExpr, Vec<String>),
}

#[derive(Debug)]
enum Typed {
    Int(IntExpr),
    Text(TextExpr),
    Bool(BoolExpr),
}

/// Compiles `expr` over `variables` (name, source), or `None` when it is outside the
/// supported part of CEL.
fn typed(expr: &IdedExpr, variables: &[(String, Source)]) -> Option<Typed> {
    match &expr.expr {
        Expr::Literal(LiteralValue::Int(value)) => Some(Typed::Int(IntExpr::Literal(*value.inner()))),
        Expr::Literal(LiteralValue::String(value)) => Some(Typed::Text(TextExpr::Literal(value.inner().to_owned()))),
        Expr::Literal(LiteralValue::Boolean(value)) => Some(Typed::Bool(BoolExpr::Literal(*value.inner()))),
        Expr::Ident(name) => {
            let slot = variables.iter().position(|(n, _)| n == name)?;
            match &variables[slot].1 {
                Source::Attribute(_) => Some(Typed::Text(TextExpr::Variable(slot))),
                source if source.is_int() => Some(Typed::Int(IntExpr::Variable(slot))),
                _ => None,
            }
        }
        Expr::Call(call) => {
            let name = call.func_name.as_str();
            let args: Vec<&IdedExpr> = call.target.as_deref().into_iter().chain(&call.args).collect();
            let method = call.target.is_some();
            match (name, args.as_slice()) {
                (operators::CONDITIONAL, [condition, yes, no]) if !method => {
                    let Typed::Bool(condition) = typed(condition, variables)? else {
                        return None;
                    };
                    let condition = Box::new(condition);
                    match (typed(yes, variables)?, typed(no, variables)?) {
                        (Typed::Int(a), Typed::Int(b)) => {
                            Some(Typed::Int(IntExpr::Choose(condition, Box::new(a), Box::new(b))))
                        }
                        (Typed::Text(a), Typed::Text(b)) => {
                            Some(Typed::Text(TextExpr::Choose(condition, Box::new(a), Box::new(b))))
                        }
                        (Typed::Bool(a), Typed::Bool(b)) => {
                            Some(Typed::Bool(BoolExpr::Choose(condition, Box::new(a), Box::new(b))))
                        }
                        _ => None,
                    }
                }
                (operators::LOGICAL_AND | operators::LOGICAL_OR, [left, right]) if !method => {
                    let (Typed::Bool(left), Typed::Bool(right)) = (typed(left, variables)?, typed(right, variables)?)
                    else {
                        return None;
                    };
                    let (left, right) = (Box::new(left), Box::new(right));
                    Some(Typed::Bool(if name == operators::LOGICAL_AND {
                        BoolExpr::And(left, right)
                    } else {
                        BoolExpr::Or(left, right)
                    }))
                }
                (operators::LOGICAL_NOT, [operand]) if !method => match typed(operand, variables)? {
                    Typed::Bool(operand) => Some(Typed::Bool(BoolExpr::Not(Box::new(operand)))),
                    _ => None,
                },
                (operators::NEGATE, [operand]) if !method => match typed(operand, variables)? {
                    Typed::Int(operand) => Some(Typed::Int(IntExpr::Negate(Box::new(operand)))),
                    _ => None,
                },
                (
                    operators::ADD | operators::SUBSTRACT | operators::MULTIPLY | operators::DIVIDE | operators::MODULO,
                    [left, right],
                ) if !method => {
                    let (Typed::Int(left), Typed::Int(right)) = (typed(left, variables)?, typed(right, variables)?)
                    else {
                        return None;
                    };
                    let op = match name {
                        operators::ADD => IntOp::Add,
                        operators::SUBSTRACT => IntOp::Sub,
                        operators::MULTIPLY => IntOp::Mul,
                        operators::DIVIDE => IntOp::Div,
                        _ => IntOp::Rem,
                    };
                    Some(Typed::Int(IntExpr::Arithmetic(op, Box::new(left), Box::new(right))))
                }
                (
                    operators::EQUALS
                    | operators::NOT_EQUALS
                    | operators::LESS
                    | operators::LESS_EQUALS
                    | operators::GREATER
                    | operators::GREATER_EQUALS,
                    [left, right],
                ) if !method => {
                    let compare = match name {
                        operators::EQUALS => Compare::Eq,
                        operators::NOT_EQUALS => Compare::Ne,
                        operators::LESS => Compare::Lt,
                        operators::LESS_EQUALS => Compare::Le,
                        operators::GREATER => Compare::Gt,
                        _ => Compare::Ge,
                    };
                    match (typed(left, variables)?, typed(right, variables)?) {
                        (Typed::Int(a), Typed::Int(b)) => Some(Typed::Bool(BoolExpr::Ints(compare, a, b))),
                        (Typed::Text(a), Typed::Text(b)) => Some(Typed::Bool(BoolExpr::Texts(compare, a, b))),
                        (Typed::Bool(a), Typed::Bool(b)) if matches!(compare, Compare::Eq | Compare::Ne) => {
                            Some(Typed::Bool(BoolExpr::Bools(
                                matches!(compare, Compare::Eq),
                                Box::new(a),
                                Box::new(b),
                            )))
                        }
                        _ => None,
                    }
                }
                (operators::IN, [item, list]) if !method => {
                    let Expr::List(list) = &list.expr else {
                        return None;
                    };
                    if !list.optional_indices.is_empty() {
                        return None;
                    }
                    match typed(item, variables)? {
                        Typed::Int(item) => {
                            let values = list
                                .elements
                                .iter()
                                .map(|element| match &element.expr {
                                    Expr::Literal(LiteralValue::Int(value)) => Some(*value.inner()),
                                    _ => None,
                                })
                                .collect::<Option<Vec<_>>>()?;
                            Some(Typed::Bool(BoolExpr::IntIn(item, values)))
                        }
                        Typed::Text(item) => {
                            let values = list
                                .elements
                                .iter()
                                .map(|element| match &element.expr {
                                    Expr::Literal(LiteralValue::String(value)) => Some(value.inner().to_owned()),
                                    _ => None,
                                })
                                .collect::<Option<Vec<_>>>()?;
                            Some(Typed::Bool(BoolExpr::TextIn(item, values)))
                        }
                        Typed::Bool(_) => None,
                    }
                }
                ("int", [operand]) if !method => match typed(operand, variables)? {
                    Typed::Int(operand) => Some(Typed::Int(operand)),
                    Typed::Text(TextExpr::Variable(slot)) => Some(Typed::Int(IntExpr::ParsedVariable(slot))),
                    Typed::Text(operand) => Some(Typed::Int(IntExpr::Parse(Box::new(operand)))),
                    Typed::Bool(_) => None,
                },
                ("size", [operand]) => match typed(operand, variables)? {
                    Typed::Text(TextExpr::Variable(slot)) => Some(Typed::Int(IntExpr::SizeOfVariable(slot))),
                    Typed::Text(operand) => Some(Typed::Int(IntExpr::Size(Box::new(operand)))),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// A condition compiled to the fast form.
#[derive(Debug)]
pub(crate) struct FastCondition(BoolExpr);

/// An amount compiled to the fast form.
#[derive(Debug)]
pub(crate) struct FastAmount(IntExpr);

pub(crate) fn condition(expr: &IdedExpr, variables: &[(String, Source)]) -> Option<FastCondition> {
    match typed(expr, variables)? {
        Typed::Bool(expr) => Some(FastCondition(expr)),
        _ => None,
    }
}

pub(crate) fn amount(expr: &IdedExpr, variables: &[(String, Source)]) -> Option<FastAmount> {
    match typed(expr, variables)? {
        Typed::Int(expr) => Some(FastAmount(expr)),
        _ => None,
    }
}

/// `month` as a count of months since year 0.
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// One variable bound to the columns of a population.
enum Bound<'a> {
    Text {
        column: &'a Column,
        ints: &'a [Option<i64>],
        chars: &'a [i64],
    },
    Age {
        births: &'a [Option<NaiveDate>],
        today: NaiveDate,
    },
    /// The counted months of the period are `[first, last]` (month indices) once the
    /// policy's start is applied.
    MonthsUnderAge {
        births: &'a [Option<NaiveDate>],
        years: i64,
        first: i64,
        last: i64,
    },
    Fen(&'a [Option<i64>]),
    Never,
}

/// The variables of a policy bound to a population for a period.
pub(crate) struct Binding<'a> {
    slots: Vec<Bound<'a>>,
}

impl<'a> Binding<'a> {
    pub(crate) fn new(
        variables: &[(String, Source)],
        population: &'a Population,
        today: NaiveDate,
        period: Period,
        not_before: NaiveDate,
    ) -> Binding<'a> {
        let slots = variables
            .iter()
            .map(|(_, source)| match source {
                Source::Attribute(attribute) => match population.column(attribute) {
                    Some(column) => Bound::Text {
                        column,
                        ints: column.ints(),
                        chars: column.chars(),
                    },
                    None => Bound::Never,
                },
                Source::Age => Bound::Age {
                    births: population.births(),
                    today,
                },
                Source::MonthsUnderAge(years) => Bound::MonthsUnderAge {
                    births: population.births(),
                    years: i64::from(*years),
                    first: month_index(period.start).max(month_index(not_before)),
                    last: month_index(period.end),
                },
                Source::Fen(attribute) => match population.column(attribute) {
                    Some(column) => Bound::Fen(column.fen()),
                    None => Bound::Never,
                },
                Source::Unknown => Bound::Never,
            })
            .collect();
        Binding { slots }
    }

    /// Bit `j` set when variable `j` is known for subject `index`.
    pub(crate) fn known(&self, index: usize) -> u64 {
        let mut known = 0u64;
        for (slot, bound) in self.slots.iter().enumerate() {
            let present = match bound {
                Bound::Text { column, .. } => column.is_present(index),
                Bound::Age { births, .. } | Bound::MonthsUnderAge { births, .. } => {
                    births.get(index).is_some_and(Option::is_some)
                }
                Bound::Fen(fen) => fen.get(index).is_some_and(Option::is_some),
                Bound::Never => false,
            };
            if present {
                known |= 1 << slot;
            }
        }
        known
    }

    pub(crate) fn holds(&self, condition: &FastCondition, index: usize) -> bool {
        self.boolean(&condition.0, index) == Ok(true)
    }

    pub(crate) fn amount(&self, amount: &FastAmount, index: usize) -> Option<i64> {
        self.int(&amount.0, index).ok()
    }

    fn text<'e>(&'e self, expr: &'e TextExpr, index: usize) -> Evaluated<&'e str> {
        match expr {
            TextExpr::Literal(text) => Ok(text.as_str()),
            TextExpr::Variable(slot) => match self.slots.get(*slot) {
                Some(Bound::Text { column, .. }) => column.get(index).ok_or(Fail),
                _ => Err(Fail),
            },
            TextExpr::Choose(condition, yes, no) => {
                if self.boolean(condition, index)? {
                    self.text(yes, index)
                } else {
                    self.text(no, index)
                }
            }
        }
    }

    fn variable(&self, slot: usize, index: usize) -> Evaluated<i64> {
        match self.slots.get(slot) {
            Some(Bound::Age { births, today }) => {
                let birth = births.get(index).copied().flatten().ok_or(Fail)?;
                Ok(sharing::full_years(birth, *today))
            }
            Some(Bound::MonthsUnderAge {
                births,
                years,
                first,
                last,
            }) => {
                let birth = births.get(index).copied().flatten().ok_or(Fail)?;
                // From the birth month to the month before the `years`th birthday's.
                let born = month_index(birth);
                let from = born.max(*first);
                let to = (born + 12 * years - 1).min(*last);
                Ok((to - from + 1).max(0))
            }
            Some(Bound::Fen(fen)) => fen.get(index).copied().flatten().ok_or(Fail),
            _ => Err(Fail),
        }
    }

    fn int(&self, expr: &IntExpr, index: usize) -> Evaluated<i64> {
        match expr {
            IntExpr::Literal(value) => Ok(*value),
            IntExpr::Variable(slot) => self.variable(*slot, index),
            IntExpr::ParsedVariable(slot) => match self.slots.get(*slot) {
                Some(Bound::Text { ints, .. }) => ints.get(index).copied().flatten().ok_or(Fail),
                _ => Err(Fail),
            },
            IntExpr::Parse(text) => self.text(text, index)?.parse::<i64>().map_err(|_| Fail),
            IntExpr::SizeOfVariable(slot) => match self.slots.get(*slot) {
                Some(Bound::Text { column, chars, .. }) if column.is_present(index) => {
                    chars.get(index).copied().ok_or(Fail)
                }
                _ => Err(Fail),
            },
            IntExpr::Size(text) => i64::try_from(self.text(text, index)?.chars().count()).map_err(|_| Fail),
            IntExpr::Arithmetic(op, left, right) => {
                let (left, right) = (self.int(left, index)?, self.int(right, index)?);
                match op {
                    IntOp::Add => left.checked_add(right),
                    IntOp::Sub => left.checked_sub(right),
                    IntOp::Mul => left.checked_mul(right),
                    IntOp::Div => left.checked_div(right),
                    IntOp::Rem => left.checked_rem(right),
                }
                .ok_or(Fail)
            }
            IntExpr::Negate(operand) => self.int(operand, index)?.checked_neg().ok_or(Fail),
            IntExpr::Choose(condition, yes, no) => {
                if self.boolean(condition, index)? {
                    self.int(yes, index)
                } else {
                    self.int(no, index)
                }
            }
        }
    }

    fn boolean(&self, expr: &BoolExpr, index: usize) -> Evaluated<bool> {
        match expr {
            BoolExpr::Literal(value) => Ok(*value),
            BoolExpr::Not(operand) => Ok(!self.boolean(operand, index)?),
            // As the interpreter: the right side is evaluated unless the left decides,
            // and its error always propagates; the left's error is absorbed only when
            // the right decides.
            BoolExpr::And(left, right) => match self.boolean(left, index) {
                Ok(false) => Ok(false),
                left => match (left, self.boolean(right, index)?) {
                    (Ok(true), right) => Ok(right),
                    (Err(_), false) => Ok(false),
                    _ => Err(Fail),
                },
            },
            BoolExpr::Or(left, right) => match self.boolean(left, index) {
                Ok(true) => Ok(true),
                left => match (left, self.boolean(right, index)?) {
                    (Ok(false), right) => Ok(right),
                    (Err(_), true) => Ok(true),
                    _ => Err(Fail),
                },
            },
            BoolExpr::Choose(condition, yes, no) => {
                if self.boolean(condition, index)? {
                    self.boolean(yes, index)
                } else {
                    self.boolean(no, index)
                }
            }
            BoolExpr::Ints(compare, left, right) => {
                let left = self.int(left, index)?;
                let right = self.int(right, index)?;
                Ok(compare.holds(left.cmp(&right)))
            }
            BoolExpr::Texts(compare, left, right) => {
                let left = self.text(left, index)?;
                let right = self.text(right, index)?;
                Ok(compare.holds(left.cmp(right)))
            }
            BoolExpr::Bools(equal, left, right) => {
                let left = self.boolean(left, index)?;
                let right = self.boolean(right, index)?;
                Ok((left == right) == *equal)
            }
            BoolExpr::IntIn(item, values) => {
                let item = self.int(item, index)?;
                Ok(values.contains(&item))
            }
            BoolExpr::TextIn(item, values) => {
                let item = self.text(item, index)?;
                Ok(values.iter().any(|value| value == item))
            }
        }
    }
}
