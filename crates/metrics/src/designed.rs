//! The designed 四减 figures of a one-thing: its plan in the fullest situation.

use calendar::Calendar;
use catalog::{Answers, Catalog, Holdings, OneThing, compute_plan};
use chrono::NaiveDate;

use crate::Designed;

/// At most this many answer combinations are tried; beyond it, the first ones in
/// enumeration order. (The bundled one-things have at most 64.)
const MAX_COMBINATIONS: usize = 4096;

/// The plan of the situation in which the most members apply, started `today` for
/// an applicant holding nothing. `None` when the one-thing has no questions to
/// answer consistently (a question without options) or the plan cannot be computed.
pub(crate) fn designed(
    catalog: &Catalog,
    calendar: &Calendar,
    one_thing: &OneThing,
    today: NaiveDate,
) -> Option<Designed> {
    let radices: Vec<usize> = one_thing.questions.iter().map(|q| q.options.len()).collect();
    if radices.contains(&0) {
        return None;
    }
    let combinations = radices
        .iter()
        .try_fold(1usize, |acc, r| acc.checked_mul(*r))
        .unwrap_or(usize::MAX)
        .min(MAX_COMBINATIONS);
    let mut best: Option<(usize, Answers)> = None;
    for index in 0..combinations {
        // Answers to questions this combination does not ask are left out.
        let answers = one_thing.relevant_answers(&combination(one_thing, &radices, index));
        let effective = one_thing.effective_answers(&answers);
        let applicable = one_thing
            .members
            .iter()
            .filter(|member| match &member.when {
                None => true,
                Some(condition) => condition.evaluate(&effective).unwrap_or(false),
            })
            .count();
        if best.as_ref().is_none_or(|(count, _)| applicable > *count) {
            best = Some((applicable, answers));
        }
    }
    let (_, answers) = best?;
    let plan = compute_plan(catalog, one_thing, &answers, &Holdings::default(), today, calendar).ok()?;
    Some(Designed {
        answers,
        items: u32::try_from(plan.items.len()).unwrap_or(u32::MAX),
        savings: plan.savings,
    })
}

/// The `index`-th combination of options, the first question being the most
/// significant digit: index 0 takes every first option.
fn combination(one_thing: &OneThing, radices: &[usize], mut index: usize) -> Answers {
    let mut digits = vec![0usize; radices.len()];
    for (digit, radix) in digits.iter_mut().zip(radices).rev() {
        *digit = index % radix;
        index /= radix;
    }
    one_thing
        .questions
        .iter()
        .zip(digits)
        .filter_map(|(question, digit)| {
            question
                .options
                .get(digit)
                .map(|option| (question.id.clone(), option.value.clone()))
        })
        .collect()
}
