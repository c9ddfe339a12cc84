//! The lexicon (`lexicon.toml`): the words people type for what the catalog names.
//!
//! Search, the grounded answers and the intake from a description (crate `guide`)
//! read it; it is data so that a policy officer adds “娃 → 新生儿” by editing a file
//! that `catalog check` verifies, not by changing code. The checks here keep it
//! honest: a synonym's terms must occur in the catalog's own text (so a lexicon entry
//! can only lead to something the catalog holds), and every cue names a question,
//! option or data element that exists, with a value its type allows.

use serde::{Deserialize, Serialize};

use ids::OneThingId;

use crate::load::{Checker, Text, span};
use crate::model::{Catalog, ElementType};

/// The whole lexicon; empty when the catalog has no `lexicon.toml`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Lexicon {
    /// Words that say nothing about which one-thing is meant (怎么, 办理, 我要…).
    pub stopwords: Vec<String>,
    pub synonyms: Vec<Synonym>,
    pub answer_cues: Vec<AnswerCue>,
    pub field_cues: Vec<FieldCue>,
}

/// Everyday phrases and the catalog terms they stand for: “娃” → 新生儿, 出生.
#[derive(Clone, Debug, Serialize)]
pub struct Synonym {
    pub phrases: Vec<String>,
    pub terms: Vec<String>,
    /// The phrases only qualify a one-thing named otherwise (补办, 过户, 门诊): search
    /// ranks by them but does not answer on them alone (补办结婚证 is not 社保卡).
    pub qualifier: bool,
}

/// A phrase in a description that answers a situation question: “本市户口” →
/// newborn.hukou_local = yes.
#[derive(Clone, Debug, Serialize)]
pub struct AnswerCue {
    pub one_thing: OneThingId,
    pub question: String,
    pub value: String,
    pub phrases: Vec<String>,
}

/// What a field cue takes from the sentence its phrase is in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum FieldCueKind {
    /// A date in the sentence (2025年3月5日, 昨天, 上周三…), resolved against today.
    Date,
    /// The name after 叫/名叫/取名/名字是 in the sentence.
    Name,
    /// This fixed value (女儿 → child.sex = 女).
    Value(String),
    /// An 18-character 公民身份号码 in the sentence, only with a valid check digit.
    IdNumber,
    /// The place after 在 that ends in a hospital word (医院, 妇幼, 卫生院…).
    Place,
    /// A telephone number in the sentence (an 11-digit mobile number, a landline with
    /// its area code); the phrase says whose it is (法人电话).
    Phone,
}

/// A phrase that says which data element a value in its sentence fills.
#[derive(Clone, Debug, Serialize)]
pub struct FieldCue {
    pub element: String,
    pub kind: FieldCueKind,
    pub phrases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexicon {
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    synonym: Vec<RawSynonym>,
    #[serde(default)]
    answer_cue: Vec<RawAnswerCue>,
    #[serde(default)]
    field_cue: Vec<RawFieldCue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynonym {
    phrases: Vec<Text>,
    terms: Vec<Text>,
    #[serde(default)]
    qualifier: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswerCue {
    one_thing: Text,
    question: Text,
    value: Text,
    phrases: Vec<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldCue {
    element: Text,
    kind: Text,
    value: Option<Text>,
    phrases: Vec<Text>,
}

/// Longest phrase a person types that the lexicon keeps; longer ones are sentences.
const MAX_PHRASE_CHARS: usize = 16;

/// Whether `term` occurs in the text the catalog shows people: names, keywords,
/// summaries, questions and their options, item, material and department names.
pub fn occurs_in_catalog(catalog: &Catalog, term: &str) -> bool {
    let in_one_things = catalog.one_things.values().any(|one| {
        one.name.contains(term)
            || one.summary.contains(term)
            || one.life_stage.contains(term)
            || one.keywords.iter().any(|keyword| keyword.contains(term))
            || one.questions.iter().any(|question| {
                question.text.contains(term) || question.options.iter().any(|option| option.label.contains(term))
            })
    });
    in_one_things
        || catalog.items.values().any(|item| item.name.contains(term))
        || catalog.materials.values().any(|material| material.name.contains(term))
        || catalog
            .departments
            .values()
            .any(|department| department.name.contains(term))
}

fn check_phrases(checker: &mut Checker, file: usize, phrases: &[Text], at: &str) -> Vec<String> {
    if phrases.is_empty() {
        checker.report(file, None, format!("{at}.phrases"), "至少要有一个说法");
    }
    let mut kept = Vec::new();
    for (position, phrase) in phrases.iter().enumerate() {
        let text = phrase.get_ref().trim();
        let length = text.chars().count();
        if length == 0 || length > MAX_PHRASE_CHARS || text.chars().any(char::is_control) {
            checker.report(
                file,
                span(phrase),
                format!("{at}.phrases[{position}]"),
                format!("说法“{text}”应为 1–{MAX_PHRASE_CHARS} 个字符、不含控制字符"),
            );
            continue;
        }
        kept.push(text.to_owned());
    }
    kept
}

pub(crate) fn load_lexicon(checker: &mut Checker, file: usize, catalog: &mut Catalog) {
    let Some(raw) = checker.parse::<RawLexicon>(file) else {
        return;
    };
    let mut lexicon = Lexicon {
        stopwords: raw
            .stopwords
            .iter()
            .map(|word| word.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect(),
        ..Lexicon::default()
    };
    for (index, synonym) in raw.synonym.iter().enumerate() {
        let at = format!("synonym[{index}]");
        let phrases = check_phrases(checker, file, &synonym.phrases, &at);
        if synonym.terms.is_empty() {
            checker.report(file, None, format!("{at}.terms"), "至少要有一个目录用语");
        }
        let mut terms = Vec::new();
        for (position, term) in synonym.terms.iter().enumerate() {
            if occurs_in_catalog(catalog, term.get_ref()) {
                terms.push(term.get_ref().clone());
            } else {
                checker.report(
                    file,
                    span(term),
                    format!("{at}.terms[{position}]"),
                    format!(
                        "目录用语“{}”在目录中没有出现：同义词只能指向目录里有的内容",
                        term.get_ref()
                    ),
                );
            }
        }
        lexicon.synonyms.push(Synonym {
            phrases,
            terms,
            qualifier: synonym.qualifier,
        });
    }
    for (index, cue) in raw.answer_cue.iter().enumerate() {
        let at = format!("answer_cue[{index}]");
        let phrases = check_phrases(checker, file, &cue.phrases, &at);
        let Some(one_thing) = catalog.one_thing(cue.one_thing.get_ref()) else {
            checker.report(
                file,
                span(&cue.one_thing),
                format!("{at}.one_thing"),
                format!("不存在的一件事“{}”", cue.one_thing.get_ref()),
            );
            continue;
        };
        let Some(question) = one_thing.question(cue.question.get_ref()) else {
            checker.report(
                file,
                span(&cue.question),
                format!("{at}.question"),
                format!("一件事“{}”没有情形问题“{}”", one_thing.id, cue.question.get_ref()),
            );
            continue;
        };
        if question.option(cue.value.get_ref()).is_none() {
            checker.report(
                file,
                span(&cue.value),
                format!("{at}.value"),
                format!("问题“{}”没有选项“{}”", question.id, cue.value.get_ref()),
            );
            continue;
        }
        lexicon.answer_cues.push(AnswerCue {
            one_thing: one_thing.id.clone(),
            question: question.id.clone(),
            value: cue.value.get_ref().clone(),
            phrases,
        });
    }
    for (index, cue) in raw.field_cue.iter().enumerate() {
        let at = format!("field_cue[{index}]");
        let phrases = check_phrases(checker, file, &cue.phrases, &at);
        let Some(element) = catalog.elements.get(cue.element.get_ref()) else {
            checker.report(
                file,
                span(&cue.element),
                format!("{at}.element"),
                format!("不存在的数据元“{}”", cue.element.get_ref()),
            );
            continue;
        };
        let kind = match (cue.kind.get_ref().as_str(), &element.element_type, &cue.value) {
            ("date", ElementType::Date, None) => Some(FieldCueKind::Date),
            ("name", ElementType::Text, None) => Some(FieldCueKind::Name),
            ("place", ElementType::Text, None) => Some(FieldCueKind::Place),
            ("id_number", ElementType::IdNumber, None) => Some(FieldCueKind::IdNumber),
            ("phone", ElementType::Phone, None) => Some(FieldCueKind::Phone),
            ("value", ElementType::Choice(options), Some(value)) if options.contains(value.get_ref()) => {
                Some(FieldCueKind::Value(value.get_ref().clone()))
            }
            _ => None,
        };
        let Some(kind) = kind else {
            checker.report(
                file,
                span(&cue.kind),
                format!("{at}.kind"),
                format!(
                    "线索类型“{}”不适用于数据元“{}”（{}）：date 用于日期，name/place 用于文本，id_number 用于身份号码，phone 用于电话号码，value 用于选项并写明其中一个选项",
                    cue.kind.get_ref(),
                    element.id,
                    element.element_type.name()
                ),
            );
            continue;
        };
        lexicon.field_cues.push(FieldCue {
            element: element.id.clone(),
            kind,
            phrases,
        });
    }
    catalog.lexicon = lexicon;
}
