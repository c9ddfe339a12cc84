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
