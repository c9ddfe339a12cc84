//! Many subjects' attributes held as columns, one per attribute, so that a run over a
//! whole population parses each value once: the text of every subject of a column
//! lives in one buffer, and what the policies make of it — an integer (`int(x)`), a
//! length (`size(x)`), yuan as fen, a birth date — is computed the first time a policy
//! asks and then shared by every policy evaluated over the same population.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use catalog::Policy;
use chrono::NaiveDate;

use crate::yuan_to_fen;

/// The attribute the age and the `months_under_age` values are computed from.
pub(crate) const BIRTH_DATE: &str = "birth_date";

/// One attribute of every subject.
#[derive(Default)]
pub(crate) struct Column {
    /// The values one after another; subject `i`'s is `text[ends[i - 1]..ends[i]]`.
    text: String,
    ends: Vec<usize>,
    present: Vec<bool>,
    ints: OnceLock<Vec<Option<i64>>>,
    chars: OnceLock<Vec<i64>>,
    fen: OnceLock<Vec<Option<i64>>>,
}

impl Column {
    fn push(&mut self, value: Option<&str>) {
        if let Some(value) = value {
            self.text.push_str(value);
        }
        self.ends.push(self.text.len());
        self.present.push(value.is_some());
    }

    pub(crate) fn is_present(&self, index: usize) -> bool {
        self.present.get(index).copied().unwrap_or(false)
    }

    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        if !self.is_present(index) {
            return None;
        }
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        self.text.get(start..self.ends[index])
    }

    fn each<T>(&self, parse: impl Fn(&str) -> T, absent: T) -> Vec<T>
    where
        T: Clone,
    {
        (0..self.present.len())
            .map(|index| self.get(index).map_or_else(|| absent.clone(), &parse))
            .collect()
    }

    /// `int(x)` of each value: `None` when absent or not an integer (as CEL parses it).
    pub(crate) fn ints(&self) -> &[Option<i64>] {
        self.ints
            .get_or_init(|| self.each(|text| text.parse::<i64>().ok(), None))
    }

    /// `size(x)` of each value: the number of characters (0 when absent).
    pub(crate) fn chars(&self) -> &[i64] {
        self.chars
            .get_or_init(|| self.each(|text| i64::try_from(text.chars().count()).unwrap_or(i64::MAX), 0))
    }

    /// Each value read as yuan, in fen (`DerivedKind::Fen`).
    pub(crate) fn fen(&self) -> &[Option<i64>] {
        self.fen.get_or_init(|| self.each(yuan_to_fen, None))
    }
}

/// The attributes of many subjects, in the order they were pushed.
pub struct Population {
    subjects: Vec<String>,
    columns: BTreeMap<String, Column>,
    births: OnceLock<Vec<Option<NaiveDate>>>,
}

impl Population {
    /// An empty population holding `attributes` (and always `birth_date`, which the
    /// age is computed from); other attributes pushed are ignored.
    pub fn new<I, S>(attributes: I) -> Population
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut columns: BTreeMap<String, Column> = attributes
            .into_iter()
            .map(|name| (name.into(), Column::default()))
            .collect();
        columns.entry(BIRTH_DATE.to_owned()).or_default();
        Population {
            subjects: Vec::new(),
            columns,
            births: OnceLock::new(),
        }
    }

    /// An empty population holding everything `policies` read or pay to.
    pub fn for_policies<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Population {
        Population::new(
            policies
                .into_iter()
                .flat_map(|policy| policy.reads.iter().chain(&policy.payee).cloned()),
        )
    }

    /// Adds a subject with its attributes (any subset of the columns).
    pub fn push(&mut self, subject: impl Into<String>, values: &BTreeMap<String, String>) {
        self.subjects.push(subject.into());
        for (name, column) in &mut self.columns {
            column.push(values.get(name).map(String::as_str));
        }
        // A subject pushed after a run: what the run parsed is incomplete now.
        self.births.take();
        for column in self.columns.values_mut() {
            column.ints.take();
            column.chars.take();
            column.fen.take();
        }
    }

    pub fn len(&self) -> usize {
        self.subjects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    /// The key of the `index`th subject.
    pub fn subject(&self, index: usize) -> &str {
        self.subjects.get(index).map_or("", String::as_str)
    }

    /// The value of one attribute of the `index`th subject.
    pub fn value(&self, index: usize, attribute: &str) -> Option<&str> {
        self.columns.get(attribute)?.get(index)
    }

    /// Every attribute the `index`th subject has, as the one-subject evaluation takes
    /// them.
    pub fn values(&self, index: usize) -> BTreeMap<String, String> {
        self.columns
            .iter()
            .filter_map(|(name, column)| Some((name.clone(), column.get(index)?.to_owned())))
            .collect()
    }

    pub(crate) fn column(&self, attribute: &str) -> Option<&Column> {
        self.columns.get(attribute)
    }

    /// Each subject's birth date, parsed as the one-subject evaluation parses it.
    pub(crate) fn births(&self) -> &[Option<NaiveDate>] {
        self.births.get_or_init(|| {
            let column = self.columns.get(BIRTH_DATE);
            (0..self.subjects.len())
                .map(|index| {
                    column
                        .and_then(|column| column.get(index))
                        .and_then(|text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok())
                })
                .collect()
        })
    }
}
