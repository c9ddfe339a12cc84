//! From a description to a proposed application (自然语言办理), offline and
//! deterministic.
//!
//! “我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保”
//! becomes: the one-thing (search over the description), situation answers found by
//! the lexicon's answer cues (each with the clause it came from; a denied 是 cue of a
//! yes/no question is its 否), and form values found by its field cues (dates
//! resolved against today, names after 叫, the child's sex, the hospital, ID numbers
//! only with a valid check digit, phone numbers; a name or number goes to the role
//! named before it, a number named for no one to the applicant). Everything is
//! checked against the catalog: only the one-thing's questions and their options,
//! only elements its items ask for, values that pass the element's validation.
//! Nothing here is used until the applicant confirms or corrects each proposal.

use std::collections::BTreeSet;

use catalog::lexicon::FieldCueKind;
use catalog::{Catalog, OneThing};
use chrono::NaiveDate;
use serde::Serialize;

use crate::dates::find_date;
use crate::search::SearchIndex;
use crate::text::{self, QueryError, is_han};

/// A proposed answer to a situation question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposedAnswer {
    pub question: String,
    pub question_text: String,
    pub value: String,
    pub label: String,
    /// The clause of the description it came from, and the phrase in it.
    pub sentence: String,
    pub phrase: String,
}

/// A proposed form value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposedField {
    pub element: String,
    pub name: String,
    pub value: String,
    pub sentence: String,
    /// How the value was read: the words written (上周三, 女儿, 叫王小丫…).
    pub written: String,
}

/// What the description was turned into; nothing of it is used unconfirmed.
#[derive(Clone, Debug, Serialize)]
pub struct Proposal {
    pub description: String,
    /// The one-thing proposed, `(id, name)`; `None` when search found none.
    pub one_thing: Option<(String, String)>,
    /// Other one-things search ranked, for the applicant to choose instead.
    pub alternatives: Vec<(String, String)>,
    pub answers: Vec<ProposedAnswer>,
    pub fields: Vec<ProposedField>,
    /// What was seen but not proposed, and why (a wrong check digit, two different
    /// answers to one question).
    pub notes: Vec<String>,
}

/// Splits a description into clauses at sentence and clause punctuation; each
/// clause with the index of its sentence.
fn clauses(description: &str) -> Vec<(usize, String)> {
    description
        .split(['。', '！', '!', '？', '?', '\n'])
        .enumerate()
        .flat_map(|(sentence, text)| {
            text.split(['，', ',', '；', ';', '、'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(move |clause| (sentence, clause.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Words that, written just before a cue, deny it: 没有员工, 不需要刻章, 无需开户.
/// The single negating characters are checked on their own; these words end otherwise.
const NEGATIONS: [&str; 5] = ["没有", "不需要", "无需", "不用", "不是"];

/// Characters that deny what follows them (不办医保, 没领证, 未落户).
fn negating(c: char) -> bool {
    matches!(c, '不' | '没' | '未' | '无' | '非' | '别' | '暂')
}

/// Verbs that sit between a negation and its object: 没开公积金账户, 没交生育保险,
/// 不是低保户.
const NEGATED_VERBS: [char; 13] = [
    '开', '交', '缴', '办', '买', '上', '给', '有', '是', '用', '要', '领', '招',
];

/// Words that, written just after a cue, deny it (燃气不用, 医保先不办, 公积金暂不开)
/// when they end the clause or the verb after them is the doing of the cue itself
/// (刻章不用跑 denies the trip, not the seal).
const AFTER_NEGATIONS: [&str; 6] = ["不用", "不需要", "不办", "先不", "暂不", "就不"];
const AFTER_NEGATED_VERBS: [&str; 9] = ["办", "过户", "开", "交", "接", "装", "申请", "了", "领"];

/// Whether `before` ends in a negation: 不, 没, 没有, 不是….
fn ends_negated(before: &str) -> bool {
    before.chars().last().is_some_and(negating) || NEGATIONS.iter().any(|word| before.ends_with(word))
}

/// Whether the phrase at bytes `at..end` of `clause` is denied by what is written
/// just before it (不办医保, 没领证, 没有员工, 没开公积金账户, 没有交过生育保险) or just
/// after it (燃气不用).
fn negated(clause: &str, at: usize, end: usize) -> bool {
    // 交过, 办过: what was (not) done before.
    let before = clause[..at].strip_suffix('过').unwrap_or(&clause[..at]);
    let verb_denied = before
        .chars()
        .last()
        .filter(|c| NEGATED_VERBS.contains(c))
        .is_some_and(|verb| ends_negated(&before[..before.len() - verb.len_utf8()]));
    ends_negated(before)
        || verb_denied
        || AFTER_NEGATIONS.iter().any(|word| {
            clause[end..]
                .strip_prefix(word)
                .is_some_and(|rest| rest.is_empty() || AFTER_NEGATED_VERBS.iter().any(|verb| rest.starts_with(verb)))
        })
}

/// Every occurrence (byte offset) of `phrase` in `clause`.
fn occurrences(clause: &str, phrase: &str) -> Vec<usize> {
    clause.match_indices(phrase).map(|(at, _)| at).collect()
}

/// The data elements the one-thing's items ask for.
fn elements_of(catalog: &Catalog, one: &OneThing) -> BTreeSet<String> {
    one.members
        .iter()
        .filter_map(|member| catalog.items.get(&member.item))
        .flat_map(|item| item.fields.iter().cloned())
        .collect()
}

/// Reads `description` on `today`. `one_thing` forces the one-thing (the applicant
/// chose another than proposed); otherwise search over the description proposes it.
pub fn propose(
    catalog: &Catalog,
    index: &SearchIndex,
    description: &str,
    one_thing: Option<&str>,
    today: NaiveDate,
) -> Result<Proposal, QueryError> {
    let description = text::normalize(description, text::MAX_DESCRIPTION_CHARS, true)?;
    let ranked = index.rank_text(&description);
    let chosen = match one_thing {
        Some(id) => catalog.one_thing(id),
        None => ranked.first().and_then(|(id, _)| catalog.one_thing(id)),
    };
    let mut proposal = Proposal {
        description: description.clone(),
        one_thing: chosen.map(|one| (one.id.to_string(), one.name.clone())),
        alternatives: ranked
            .into_iter()
            .filter(|(id, _)| chosen.is_none_or(|one| one.id.as_str() != id))
            .take(3)
            .collect(),
        answers: Vec::new(),
        fields: Vec::new(),
        notes: Vec::new(),
    };
    let Some(one) = chosen else {
        return Ok(proposal);
    };
    let clauses = clauses(&description);
    // Each clause as read and as shown; then each list written with 、 read whole
    // (水、电、燃气都要过户 says 水电燃气), shown as written, after the clauses so that
    // the shortest clause is the one shown when both say the same.
    let mut texts: Vec<(String, String)> = clauses
        .iter()
        .map(|(_, clause)| (clause.clone(), clause.clone()))
        .collect();
    texts.extend(
        lists(&description)
            .into_iter()
            .map(|list| (list.replace('、', ""), list)),
    );
    propose_answers(catalog, one, &texts, &mut proposal);
    propose_fields(catalog, one, &clauses, today, &mut proposal);
    Ok(proposal)
}

/// The answer a denied cue gives: `no` when the cue says `yes` to a question whose
/// options are exactly yes and no; nothing otherwise (没丢 says nothing about which
/// of 首次, 补领 or 换领 is meant).
fn denial(one: &OneThing, question: &str, value: &str) -> Option<String> {
    let question = one.questions.iter().find(|q| q.id == question)?;
    let values: BTreeSet<&str> = question.options.iter().map(|o| o.value.as_str()).collect();
    (value == "yes" && values == BTreeSet::from(["yes", "no"])).then(|| "no".to_owned())
}

/// The clauses of `description` that hold a list written with 、, whole.
fn lists(description: &str) -> Vec<String> {
    description
        .split(['。', '！', '!', '？', '?', '\n', '，', ',', '；', ';'])
        .map(str::trim)
        .filter(|clause| clause.contains('、'))
        .map(str::to_owned)
        .collect()
}

/// `clauses` are `(text read, text shown)`.
fn propose_answers(catalog: &Catalog, one: &OneThing, clauses: &[(String, String)], proposal: &mut Proposal) {
    // (question, value, clause, phrase, start, end) of every cue found.
    let mut found: Vec<(String, String, usize, String, usize, usize)> = Vec::new();
    for cue in catalog.lexicon.answer_cues.iter().filter(|cue| cue.one_thing == one.id) {
        for (index, (clause, _)) in clauses.iter().enumerate() {
            for phrase in &cue.phrases {
                for at in occurrences(clause, phrase) {
                    let end = at + phrase.len();
                    if !negated(clause, at, end) {
                        found.push((cue.question.clone(), cue.value.clone(), index, phrase.clone(), at, end));
                    } else if let Some(no) = denial(one, &cue.question, &cue.value) {
                        // A denied 是 of a yes/no question is its 否: 没开公积金账户,
                        // 不是低保户, 燃气不用.
                        found.push((cue.question.clone(), no, index, phrase.clone(), at, end));
                    }
                }
            }
        }
    }
    // A cue inside a longer cue for the same question in the same clause says less:
    // 办医保 in 不用办医保. Inside a cue for another question it still counts: 老公 in
    // 老公这边 says who is joined as well as why.
    let kept: Vec<_> = found
        .iter()
        .filter(|(question, _, clause, phrase, start, end)| {
            !found.iter().any(
                |(other_question, _, other_clause, other_phrase, other_start, other_end)| {
                    other_question == question
                        && other_clause == clause
                        && other_phrase.len() > phrase.len()
                        && other_start <= start
                        && end <= other_end
                },
            )
        })
        .collect();
    for question in &one.questions {
        let values: BTreeSet<&String> = kept
            .iter()
            .filter(|(q, ..)| *q == question.id)
            .map(|(_, value, ..)| value)
            .collect();
        match values.len() {
            0 => {}
            1 => {
                let Some((_, value, clause, phrase, ..)) = kept.iter().find(|(q, ..)| *q == question.id) else {
                    continue;
                };
                let Some(option) = question.option(value) else {
                    continue;
                };
                proposal.answers.push(ProposedAnswer {
                    question: question.id.clone(),
                    question_text: question.text.clone(),
                    value: option.value.clone(),
                    label: option.label.clone(),
                    sentence: clauses.get(*clause).map(|(_, shown)| shown.clone()).unwrap_or_default(),
                    phrase: phrase.clone(),
                });
            }
            _ => proposal
                .notes
                .push(format!("描述中对“{}”有不同的说法，请您自己选择。", question.text)),
        }
    }
}

/// The name written after 叫/名叫/取名… at byte `at` of `clause`: two to four Han
/// characters, stopping at anything else.
fn name_after(clause: &str) -> Vec<(usize, String, String)> {
    let mut names = Vec::new();
    for marker in ["名字叫", "名字是", "名叫", "取名", "起名", "叫"] {
        for (at, _) in clause.match_indices(marker) {
            // 名叫 is matched once, not again as 叫.
            if names
                .iter()
                .any(|(start, _, written): &(usize, String, String)| *start <= at && at < *start + written.len())
            {
                continue;
            }
            let rest = &clause[at + marker.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| is_han(*c) && !matches!(c, '的' | '了' | '和' | '在' | '是'))
                .take(4)
                .collect();
            if (2..=4).contains(&name.chars().count()) {
                names.push((at, format!("{marker}{name}"), name));
            }
        }
    }
    names
}

/// 18-character candidates for a 公民身份号码 in `clause`, with their byte offsets.
fn id_candidates(clause: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let chars: Vec<(usize, char)> = clause.char_indices().collect();
    let mut start = 0;
    while start < chars.len() {
        let run: String = chars[start..]
            .iter()
            .map(|(_, c)| *c)
            .take_while(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
            .collect();
        if run.len() >= 15 {
            found.push((chars[start].0, run.clone()));
        }
        start += run.len().max(1);
    }
    found
}

/// The applicant's own elements: what a number named for no one else fills.
const APPLICANT_ID: &str = "person.id_number";
const APPLICANT_PHONE: &str = "person.phone";

/// Whether a cue of this kind says whose a value is (a name, an ID number, a phone).
fn is_role(kind: &FieldCueKind) -> bool {
    matches!(kind, FieldCueKind::Name | FieldCueKind::IdNumber | FieldCueKind::Phone)
}

/// Telephone numbers in `clause`, with their byte offsets: an 11-digit mobile number
/// (1, then 3–9, then nine digits) or a landline with its area code (0 and two or
/// three digits, a hyphen, seven or eight digits), standing alone among digits, so
/// that part of an ID or account number is never read as one.
fn phone_candidates(clause: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let bytes = clause.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'-') {
            end += 1;
        }
        // A trailing hyphen is punctuation, not part of the number.
        let run = clause[start..end].trim_end_matches('-');
        let mobile = run.len() == 11
            && run.bytes().all(|b| b.is_ascii_digit())
            && run.starts_with('1')
            && matches!(run.as_bytes()[1], b'3'..=b'9');
        let landline = match run.split_once('-') {
            Some((area, number)) => {
                area.starts_with('0')
                    && (3..=4).contains(&area.len())
                    && (7..=8).contains(&number.len())
                    && number.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        };
        // Letters right after the digits (an ID number's X) make it no phone number.
        let followed_by_letter = clause[end..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if (mobile || landline) && !followed_by_letter {
            found.push((start, run.to_owned()));
        }
        start = end;
    }
    found
}

/// The hospital after 在 in `clause`: 在市妇幼生了 → 市妇幼.
fn place_in(clause: &str) -> Option<String> {
    const ENDINGS: [&str; 6] = ["妇幼保健院", "保健院", "卫生院", "医院", "妇幼", "诊所"];
    let (at, _) = clause.match_indices('在').next()?;
    let rest = &clause[at + '在'.len_utf8()..];
    ENDINGS
        .iter()
        .filter_map(|ending| rest.find(ending).map(|end| &rest[..end + ending.len()]))
        .filter(|place| place.chars().count() <= 20 && place.chars().all(is_han))
        .max_by_key(|place| place.len())
        .map(str::to_owned)
}

fn propose_fields(
    catalog: &Catalog,
    one: &OneThing,
    clauses: &[(usize, String)],
    today: NaiveDate,
    proposal: &mut Proposal,
) {
    let wanted = elements_of(catalog, one);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut push = |proposal: &mut Proposal, element: &str, raw: &str, sentence: &str, written: &str| {
        if taken.contains(element) {
            return;
        }
        let Some(data_element) = catalog.elements.get(element) else {
            return;
        };
        match data_element.validate(raw, today) {
            Ok(value) => {
                taken.insert(element.to_owned());
                proposal.fields.push(ProposedField {
                    element: element.to_owned(),
                    name: data_element.name.clone(),
                    value,
                    sentence: sentence.to_owned(),
                    written: written.to_owned(),
                });
            }
            Err(error) => proposal.notes.push(format!("“{written}”未采用：{error}")),
        }
    };
    let cues: Vec<_> = catalog
        .lexicon
        .field_cues
        .iter()
        .filter(|cue| wanted.contains(&cue.element))
        .collect();
    // The person an ID number belongs to may be named in an earlier clause of the
    // same sentence: 我老婆叫刘芳，身份证号… .
    let mut last_id_role: Option<(usize, String)> = None;
    let mut last_phone_role: Option<(usize, String)> = None;
    let mut last_name_role: Option<(usize, String)> = None;
    for (sentence, clause) in clauses {
        let clause = clause.as_str();
        // The cue phrases of this clause, with where each is.
        let found: Vec<(usize, usize, &catalog::lexicon::FieldCue)> = cues
            .iter()
            .flat_map(|cue| {
                cue.phrases
                    .iter()
                    .flat_map(|phrase| {
                        occurrences(clause, phrase)
                            .into_iter()
                            .map(move |at| (at, at + phrase.len()))
                    })
                    .map(move |(at, end)| (at, end, *cue))
            })
            .collect();
        // A role inside a longer role's phrase says less: 电话 in 法人电话 is the legal
        // representative's, 孩子 in 孩子妈 the mother's.
        let present: Vec<(usize, &catalog::lexicon::FieldCue)> = found
            .iter()
            .filter(|(at, end, cue)| {
                !is_role(&cue.kind)
                    || !found.iter().any(|(other_at, other_end, other)| {
                        is_role(&other.kind)
                            && other.kind == cue.kind
                            && other_end - other_at > end - at
                            && other_at <= at
                            && end <= other_end
                    })
            })
            .map(|(at, _, cue)| (*at, *cue))
            .collect();
        let has = |kind: &dyn Fn(&FieldCueKind) -> bool| -> Vec<&catalog::lexicon::FieldCue> {
            present
                .iter()
                .filter(|(_, cue)| kind(&cue.kind))
                .map(|(_, cue)| *cue)
                .collect()
        };

        if let Some(found) = find_date(clause, today) {
            for cue in has(&|k| *k == FieldCueKind::Date) {
                push(proposal, &cue.element, &found.date.to_string(), clause, &found.written);
            }
        }
        if let Some(place) = place_in(clause) {
            for cue in has(&|k| *k == FieldCueKind::Place) {
                push(proposal, &cue.element, &place, clause, &format!("在{place}"));
            }
        }
        for cue in has(&|k| matches!(k, FieldCueKind::Value(_))) {
            if let FieldCueKind::Value(value) = &cue.kind {
                let phrase = cue
                    .phrases
                    .iter()
                    .find(|p| clause.contains(p.as_str()))
                    .cloned()
                    .unwrap_or_default();
                push(proposal, &cue.element, value, clause, &phrase);
            }
        }
        // A name or an ID number belongs to the role named last before it.
        let nearest_before = |at: usize, kind: &dyn Fn(&FieldCueKind) -> bool| {
            present
                .iter()
                .filter(|(position, cue)| *position <= at && kind(&cue.kind))
                .max_by_key(|(position, _)| *position)
                .map(|(_, cue)| cue.element.clone())
        };
        for (at, written, name) in name_after(clause) {
            // 生了个儿子，名字叫孙浩然: the role may be named in an earlier clause of the
            // same sentence.
            let role = nearest_before(at, &|k| *k == FieldCueKind::Name).or_else(|| {
                last_name_role
                    .as_ref()
                    .filter(|(in_sentence, _)| in_sentence == sentence)
                    .map(|(_, element)| element.clone())
            });
            if let Some(element) = role {
                push(proposal, &element, &name, clause, &written);
            }
        }
        if let Some(element) = nearest_before(clause.len(), &|k| *k == FieldCueKind::Name) {
            last_name_role = Some((*sentence, element));
        }
        for (at, number) in id_candidates(clause) {
            if number.len() != 18 || ids::IdNumber::parse(&number).is_err() {
                proposal.notes.push(format!(
                    "号码“{}”不是有效的公民身份号码（位数或校验位不对），未采用。",
                    mask(&number)
                ));
                continue;
            }
            let role = nearest_before(at, &|k| *k == FieldCueKind::IdNumber).or_else(|| {
                last_id_role
                    .as_ref()
                    .filter(|(in_sentence, _)| in_sentence == sentence)
                    .map(|(_, element)| element.clone())
            });
            // Named for no one else, the number is the applicant's own.
            let role = role.or_else(|| wanted.contains(APPLICANT_ID).then(|| APPLICANT_ID.to_owned()));
            match role {
                Some(element) => push(proposal, &element, &number, clause, &mask(&number)),
                None => proposal
                    .notes
                    .push(format!("号码“{}”看不出是谁的，未采用。", mask(&number))),
            }
        }
        if let Some(element) = nearest_before(clause.len(), &|k| *k == FieldCueKind::IdNumber) {
            last_id_role = Some((*sentence, element));
        }
        for (at, number) in phone_candidates(clause) {
            let role = nearest_before(at, &|k| *k == FieldCueKind::Phone)
                .or_else(|| {
                    last_phone_role
                        .as_ref()
                        .filter(|(in_sentence, _)| in_sentence == sentence)
                        .map(|(_, element)| element.clone())
                })
                .or_else(|| wanted.contains(APPLICANT_PHONE).then(|| APPLICANT_PHONE.to_owned()));
            if let Some(element) = role {
                push(proposal, &element, &number, clause, &number);
            }
        }
        if let Some(element) = nearest_before(clause.len(), &|k| *k == FieldCueKind::Phone) {
            last_phone_role = Some((*sentence, element));
        }
    }
}

/// An ID number shown in a note or as written: the first six and last four.
fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 10 {
        return number.to_owned();
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}
