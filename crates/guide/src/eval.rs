//! Measuring search on a labelled set: one `expected<TAB>query` per line, `#`
//! comments, `none` for a query whose one-thing the catalog does not hold. Used by
//! the accuracy test and by `examples/search_eval.rs`, which prints the figures.

use crate::search::SearchIndex;

/// One labelled query.
#[derive(Clone, Debug)]
pub struct Labelled {
    pub expected: String,
    pub query: String,
}

/// The labelled queries of a set's text.
pub fn parse_set(text: &str) -> Vec<Labelled> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let (expected, query) = line.split_once('\t')?;
            Some(Labelled {
                expected: expected.trim().to_owned(),
                query: query.trim().to_owned(),
            })
        })
        .collect()
}

/// The figures of one set.
#[derive(Clone, Debug, Default)]
pub struct Accuracy {
    /// Queries whose one-thing exists.
    pub answerable: usize,
    pub top1: usize,
    pub top3: usize,
    /// Queries whose one-thing does not exist.
    pub unanswerable: usize,
    /// Of those, how many were answered 没有找到.
    pub refused: usize,
    /// Every query that was not right first, with what came first.
    pub misses: Vec<(Labelled, Option<String>)>,
}

impl Accuracy {
    pub fn top1_rate(&self) -> f64 {
        self.top1 as f64 / self.answerable.max(1) as f64
    }

    pub fn top3_rate(&self) -> f64 {
        self.top3 as f64 / self.answerable.max(1) as f64
    }

    pub fn refusal_rate(&self) -> f64 {
        self.refused as f64 / self.unanswerable.max(1) as f64
    }
}

/// Runs every query of `set` through `index`.
pub fn measure(index: &SearchIndex, set: &[Labelled]) -> Accuracy {
    let mut accuracy = Accuracy::default();
    for labelled in set {
        let result = index.search(&labelled.query).ok();
        let ids: Vec<String> = result
            .map(|r| r.one_things.into_iter().map(|hit| hit.id).collect())
            .unwrap_or_default();
        let first = ids.first().cloned();
        if labelled.expected == "none" {
            accuracy.unanswerable += 1;
            if ids.is_empty() {
                accuracy.refused += 1;
            } else {
                accuracy.misses.push((labelled.clone(), first));
            }
            continue;
        }
        accuracy.answerable += 1;
        if first.as_deref() == Some(labelled.expected.as_str()) {
            accuracy.top1 += 1;
        } else {
            accuracy.misses.push((labelled.clone(), first));
        }
        if ids.iter().take(3).any(|id| *id == labelled.expected) {
            accuracy.top3 += 1;
        }
    }
    accuracy
}

/// One labelled description: the one-thing, the answers and the values it states.
#[derive(Clone, Debug)]
pub struct LabelledDescription {
    pub expected: String,
    pub answers: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
    pub description: String,
}

fn pairs(column: &str) -> Vec<(String, String)> {
    if column.trim() == "-" {
        return Vec::new();
    }
    column
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The labelled descriptions of a set's text (`one_thing<TAB>answers<TAB>fields<TAB>text`).
pub fn parse_descriptions(text: &str) -> Vec<LabelledDescription> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.splitn(4, '\t');
            Some(LabelledDescription {
                expected: columns.next()?.trim().to_owned(),
                answers: pairs(columns.next()?),
                fields: pairs(columns.next()?),
                description: columns.next()?.trim().to_owned(),
            })
        })
        .collect()
}

/// The intake's figures on a set of descriptions.
#[derive(Clone, Debug, Default)]
pub struct IntakeAccuracy {
    pub descriptions: usize,
    pub one_thing_right: usize,
    pub answers_proposed: usize,
    pub answers_right: usize,
    pub answers_expected: usize,
    pub fields_proposed: usize,
    pub fields_right: usize,
    pub fields_expected: usize,
    /// Answers and values proposed without the clause they came from: the page
    /// shows that clause as the reason, so this must stay 0.
    pub without_sentence: usize,
    /// What was proposed wrong or missed: (description, what).
    pub errors: Vec<(String, String)>,
}

impl IntakeAccuracy {
    fn rate(part: usize, whole: usize) -> f64 {
        if whole == 0 { 1.0 } else { part as f64 / whole as f64 }
    }

    pub fn answer_precision(&self) -> f64 {
        Self::rate(self.answers_right, self.answers_proposed)
    }

    pub fn answer_recall(&self) -> f64 {
        Self::rate(self.answers_right, self.answers_expected)
    }

    pub fn field_precision(&self) -> f64 {
        Self::rate(self.fields_right, self.fields_proposed)
    }

    pub fn field_recall(&self) -> f64 {
        Self::rate(self.fields_right, self.fields_expected)
    }
}

/// Runs every description of `set` through the intake on `today`.
pub fn measure_intake(
    catalog: &catalog::Catalog,
    index: &SearchIndex,
    set: &[LabelledDescription],
    today: chrono::NaiveDate,
) -> IntakeAccuracy {
    let mut accuracy = IntakeAccuracy::default();
    for labelled in set {
        accuracy.descriptions += 1;
        accuracy.answers_expected += labelled.answers.len();
        accuracy.fields_expected += labelled.fields.len();
        let Ok(proposal) = crate::intake::propose(catalog, index, &labelled.description, None, today) else {
            accuracy
                .errors
                .push((labelled.description.clone(), "refused".to_owned()));
            continue;
        };
        let id = proposal.one_thing.as_ref().map(|(id, _)| id.as_str());
        if id == Some(labelled.expected.as_str()) {
            accuracy.one_thing_right += 1;
        } else {
            accuracy
                .errors
                .push((labelled.description.clone(), format!("one-thing {id:?}")));
            continue;
        }
        accuracy.without_sentence += proposal.answers.iter().filter(|a| a.sentence.is_empty()).count()
            + proposal.fields.iter().filter(|f| f.sentence.is_empty()).count();
        for answer in &proposal.answers {
            accuracy.answers_proposed += 1;
            if labelled
                .answers
                .contains(&(answer.question.clone(), answer.value.clone()))
            {
                accuracy.answers_right += 1;
            } else {
                accuracy.errors.push((
                    labelled.description.clone(),
                    format!(
                        "wrong answer {}={} from “{}”",
                        answer.question, answer.value, answer.sentence
                    ),
                ));
            }
        }
        for (question, value) in &labelled.answers {
            if !proposal
                .answers
                .iter()
                .any(|a| a.question == *question && a.value == *value)
            {
                accuracy.errors.push((
                    labelled.description.clone(),
                    format!("missed answer {question}={value}"),
                ));
            }
        }
        for field in &proposal.fields {
            accuracy.fields_proposed += 1;
            if labelled.fields.contains(&(field.element.clone(), field.value.clone())) {
                accuracy.fields_right += 1;
            } else {
                accuracy.errors.push((
                    labelled.description.clone(),
                    format!("wrong value {}={}", field.element, field.value),
                ));
            }
        }
        for (element, value) in &labelled.fields {
            if !proposal
                .fields
                .iter()
                .any(|f| f.element == *element && f.value == *value)
            {
                accuracy
                    .errors
                    .push((labelled.description.clone(), format!("missed value {element}={value}")));
            }
        }
    }
    accuracy
}
