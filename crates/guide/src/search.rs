//! Search over the catalog that understands how people write: “生孩子”, “公司搬家”,
//! “社保咔”, “qykb”.
//!
//! Why not jieba-rs or tantivy: segmentation matters here only where it finds the
//! catalog's own terms and the lexicon's phrases, and a longest-match over exactly
//! that vocabulary finds them all, where a general dictionary (jieba's is ~350,000
//! words, several MB in the binary) splits domain terms by newspaper frequencies and
//! knows no colloquial phrase of ours. Characters no term covers are compared as
//! bigrams, which is what a general segmenter would fall back to for unknown words.
//! With 27 one-things and ~135 items the index is a few thousand postings, so a BM25
//! of our own (forty lines) ranks in microseconds and keeps every score explainable,
//! which the reasons shown to the applicant need; tantivy would add an on-disk index,
//! a tokenizer pipeline and a dependency tree for no gain at this size.
//!
//! A query becomes weighted terms, each with the reason it is there:
//! - a catalog term (keyword, name, item name) typed as is;
//! - a lexicon phrase (“小饭馆”), standing for its catalog terms (餐饮店, 食品经营许可);
//! - a homophone typo of either (“社保咔” → 社保卡: same pinyin, one character differs);
//! - pinyin initials of a name or keyword, for a short Latin-letter query (qykb);
//! - character bigrams of what nothing above covers, at a lower weight.
//!
//! Documents are the one-things (name, keywords, summary, life stage, items,
//! materials, questions; fields weighted) and the items (name, materials,
//! department). A one-thing is a confident answer only when a term other than a
//! bigram or a qualifier matches it (or two qualifiers said apart agree on it: 专利
//! and 仿冒) and its score passes a floor; otherwise the answer is
//! “没有找到”, with the one window's contact, rather than a wrong first hit.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use catalog::Catalog;
use serde::Serialize;

use crate::text::{self, QueryError, is_han, pinyin_initials, pinyin_key};

/// BM25 constants: the usual term-frequency saturation and length normalisation.
const K1: f64 = 1.2;
const B: f64 = 0.5;

/// Weight of a query term by how it was found. Bigrams are evidence, not intent.
const WEIGHT_TERM: f64 = 1.0;
const WEIGHT_TYPO: f64 = 0.8;
const WEIGHT_PINYIN: f64 = 1.0;
const WEIGHT_BIGRAM: f64 = 0.3;

/// Weight of a field in a one-thing's document.
const FIELD_NAME: f64 = 3.0;
const FIELD_KEYWORD: f64 = 3.0;
const FIELD_ITEM: f64 = 1.5;
const FIELD_SUMMARY: f64 = 1.0;
const FIELD_STAGE: f64 = 1.0;
const FIELD_MATERIAL: f64 = 0.5;
const FIELD_QUESTION: f64 = 0.3;

/// When one typed phrase stands for several catalog terms that all match a document,
/// the best counts whole and each further one at this share.
const FURTHER_TERM_SHARE: f64 = 0.3;

/// A term or phrase found inside a longer one counts at this weight: the longer is
/// what was said (医疗费 inside 生育医疗费 is not 就医费用报销), the shorter still
/// helps (挂失 in 社保卡挂失 names the item).
const WEIGHT_INNER: f64 = 0.3;

/// A bigram counts at this share of its field's weight in a document, so that
/// shared characters (登记, 补贴) matter less than a whole term.
const BIGRAM_SHARE: f64 = 0.5;

/// The least score a one-thing needs to be offered as an answer, and the least that
/// terms other than bigrams must contribute to it.
const CONFIDENT_SCORE: f64 = 1.0;
const CONFIDENT_TERM_SCORE: f64 = 0.6;

/// How many different qualifiers of one one-thing make a confident answer together.
const QUALIFIERS_TOGETHER: usize = 2;

/// When no term matched, the least score of characters alone, and how many times the
/// runner-up's score the first must have. Queries without a one-thing scored at most
/// 1.5 on characters when this was set.
const CONFIDENT_CHARACTERS_SCORE: f64 = 2.0;
const CHARACTERS_MARGIN: f64 = 2.0;

/// Results after the first are offered only while they score at least this share of
/// the first: a long tail of weak matches helps nobody choose.
const TAIL_SHARE: f64 = 0.25;
const MAX_ONE_THINGS: usize = 5;
const MAX_ITEMS: usize = 5;

/// How a query term was found.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A catalog term typed as it is.
    Term,
    /// A lexicon phrase standing for a catalog term.
    Synonym,
    /// A homophone of a catalog term or lexicon phrase with one character different.
    Typo,
    /// Pinyin initials of a catalog term.
    Pinyin,
    /// Two characters that occur in the catalog's text.
    Characters,
}

/// Why a result matched: the words typed, what they were taken for, and how.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reason {
    /// What the person typed (the phrase, the misspelling, the initials).
    pub typed: String,
    /// The catalog term it was taken for.
    pub term: String,
    pub via: Via,
}

impl Reason {
    /// The reason in words for the page: “小饭馆 → 餐饮店（同义词）”.
    pub fn explain_zh(&self) -> String {
        match self.via {
            Via::Term => format!("“{}”", self.term),
            Via::Synonym => format!("“{}”即“{}”", self.typed, self.term),
            Via::Typo => format!("“{}”按“{}”理解（纠错）", self.typed, self.term),
            Via::Pinyin => format!("拼音首字母“{}”：“{}”", self.typed, self.term),
            Via::Characters => format!("字词“{}”", self.term),
        }
    }
}

/// A query term: what to look up, how much it weighs, and why it is there.
#[derive(Clone, Debug)]
struct QueryTerm {
    key: String,
    weight: f64,
    reason: Reason,
    /// The stretch of the query it was found in: the outermost phrase or term that
    /// contains it. One stretch is one piece of evidence however many catalog terms
    /// it stands for (社保卡 inside 办社保卡, the three terms of 迁过来).
    group: String,
    /// Whether it counts towards a confident answer: bigrams and the lexicon's
    /// qualifiers (补办, 过户) rank but say nothing about which one-thing is meant.
    decisive: bool,
}

/// One ranked one-thing.
#[derive(Clone, Debug, Serialize)]
pub struct OneThingHit {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// One ranked item, with the one-things it belongs to.
#[derive(Clone, Debug, Serialize)]
pub struct ItemHit {
    pub code: String,
    pub name: String,
    pub department_name: String,
    pub one_things: Vec<String>,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// The answer to a query.
#[derive(Clone, Debug, Serialize)]
pub struct SearchResult {
    /// The query as compared (normalised).
    pub query: String,
    /// Whether the first one-thing is a confident answer. When false, `one_things`
    /// is empty and the page says 没有找到 and where to ask.
    pub found: bool,
    pub one_things: Vec<OneThingHit>,
    pub items: Vec<ItemHit>,
}

/// A document: its weighted term frequencies and length.
#[derive(Clone, Debug, Default)]
struct Doc {
    terms: HashMap<String, f64>,
    length: f64,
}

impl Doc {
    fn add_text(&mut self, text: &str, weight: f64, vocabulary: &BTreeSet<String>) {
        let lowered = text.to_lowercase();
        for word in vocabulary {
            let count = lowered.matches(word.as_str()).count();
            if count > 0 {
                *self.terms.entry(word.clone()).or_default() += weight * count as f64;
            }
        }
        for bigram in bigrams(&lowered) {
            *self.terms.entry(bigram_key(&bigram)).or_default() += weight * BIGRAM_SHARE;
        }
        self.length += weight * lowered.chars().filter(|c| is_han(*c)).count() as f64;
    }
}

/// The documents of one kind and their statistics.
#[derive(Clone, Debug, Default)]
struct Corpus {
    docs: Vec<Doc>,
    average_length: f64,
    document_frequency: HashMap<String, usize>,
}

impl Corpus {
    fn new(docs: Vec<Doc>) -> Self {
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        for doc in &docs {
            for term in doc.terms.keys() {
                *document_frequency.entry(term.clone()).or_default() += 1;
            }
        }
        let average_length = if docs.is_empty() {
            1.0
        } else {
            (docs.iter().map(|d| d.length).sum::<f64>() / docs.len() as f64).max(1.0)
        };
        Self {
            docs,
            average_length,
            document_frequency,
        }
    }

    /// BM25 of `terms` against document `index`.
    fn score(&self, index: usize, terms: &[QueryTerm]) -> Scored {
        let Some(doc) = self.docs.get(index) else {
            return Scored::default();
        };
        let count = self.docs.len() as f64;
        // The parts of each stretch of the query: one phrase that stands for three
        // catalog terms is one piece of evidence, not three (迁过来 → 企业迁移,
        // 企业迁入登记, 企业迁出登记 must not outweigh 户口 three to one), and a term
        // inside a longer one adds only a little (社保卡 in 办社保卡).
        let mut parts: BTreeMap<(&str, bool, bool), Vec<f64>> = BTreeMap::new();
        // The stretches this document matches by what was said there, not only by
        // something inside it.
        let mut whole: BTreeSet<&str> = BTreeSet::new();
        // The qualifiers (补办, 过户, 仿冒) this document matches, each stretch once.
        let mut qualifying: BTreeSet<&str> = BTreeSet::new();
        let mut reasons = Vec::new();
        for term in terms {
            let Some(&frequency) = doc.terms.get(&term.key) else {
                continue;
            };
            let df = self.document_frequency.get(&term.key).copied().unwrap_or(0) as f64;
            let idf = ((count - df + 0.5) / (df + 0.5) + 1.0).ln();
            let norm = K1 * (1.0 - B + B * doc.length / self.average_length);
            let part = term.weight * idf * frequency * (K1 + 1.0) / (frequency + norm);
            let characters = term.reason.via == Via::Characters;
            if term.decisive && term.weight > WEIGHT_INNER {
                whole.insert(term.group.as_str());
            }
            if !term.decisive && !characters && term.weight > WEIGHT_INNER {
                qualifying.insert(term.group.as_str());
            }
            parts
                .entry((term.group.as_str(), term.decisive, characters))
                .or_default()
                .push(part);
            if !reasons.contains(&term.reason) {
                reasons.push(term.reason.clone());
            }
        }
        let mut scored = Scored::default();
        for ((_, decisive, characters), mut phrase_parts) in parts {
            phrase_parts.sort_by(|a, b| b.total_cmp(a));
            let best = phrase_parts.first().copied().unwrap_or(0.0);
            let rest: f64 = phrase_parts.iter().skip(1).sum();
            let part = best + rest * FURTHER_TERM_SHARE;
            scored.score += part;
            if decisive {
                scored.decisive += part;
            }
            if characters {
                scored.characters += part;
            }
        }
        scored.reasons = reasons;
        scored.pieces = whole.len();
        scored.qualifiers = qualifying.len();
        scored
    }
}

/// A document's score for a query and what it is made of.
#[derive(Clone, Debug, Default)]
struct Scored {
    score: f64,
    /// The part that terms and phrases which name a one-thing give (not bigrams,
    /// not qualifiers).
    decisive: f64,
    /// The part that bigrams give.
    characters: f64,
    /// How many of the query's decisive stretches matched.
    pieces: usize,
    /// How many of the query's qualifying stretches matched.
    qualifiers: usize,
    /// The reasons of the terms that matched.
    reasons: Vec<Reason>,
}

/// Every age written in `chars` (八十五岁, 85岁, 九十多岁, 满八十, 85了): where it
/// starts and ends, and the years. Without 岁 a number is an age only after 满 or
/// before 了, and only from 60 on (满3个月, 交了15年 are no ages).
fn ages(chars: &[char]) -> Vec<(usize, usize, u32)> {
    let mut found = Vec::new();
    for (at, c) in chars.iter().enumerate() {
        if !matches!(*c, '岁' | '了') {
            continue;
        }
        // The number ends here or at a 多/几 just before.
        let number_end = if at > 0 && matches!(chars[at - 1], '多' | '几') {
            at - 1
        } else {
            at
        };
        let earliest = number_end.saturating_sub(3);
        for start in earliest..number_end {
            if let Some((years, used)) = crate::dates::number(&chars[start..number_end])
                && start + used == number_end
            {
                if *c == '岁' || years >= 60 {
                    found.push((start, at + 1, years));
                }
                break;
            }
        }
    }
    // 满八十, 满85: the number after 满, when no 岁 or 了 followed it.
    for (at, c) in chars.iter().enumerate() {
        if *c != '满' {
            continue;
        }
        if let Some((years, used)) = crate::dates::number(&chars[at + 1..])
            && years >= 60
            && !found.iter().any(|(start, ..)| *start == at + 1)
        {
            found.push((at, at + 1 + used, years));
        }
    }
    found
}

fn bigram_key(bigram: &str) -> String {
    format!("\u{1}{bigram}")
}

/// The two-character windows of every Han run of `text`.
fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !is_han(c)) {
        let chars: Vec<char> = run.chars().collect();
        for pair in chars.windows(2) {
            out.push(pair.iter().collect());
        }
    }
    out
}

/// The search index of a catalog: built once, read by every query.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    one_things: Vec<(String, String, String)>,
    items: Vec<(String, String, String, Vec<String>)>,
    one_thing_corpus: Corpus,
    item_corpus: Corpus,
    /// Catalog terms a query can name: keywords, one-thing and item names, the
    /// lexicon's terms.
    vocabulary: BTreeSet<String>,
    /// Lexicon phrase → the catalog terms it stands for.
    synonyms: BTreeMap<String, Vec<String>>,
    /// Lexicon phrases that only qualify (补办, 过户): not decisive on their own.
    qualifiers: BTreeSet<String>,
    stopwords: BTreeSet<String>,
    /// Pinyin key → the vocabulary words and phrases that sound like it.
    homophones: HashMap<String, Vec<String>>,
    /// Pinyin initials → the catalog terms they abbreviate.
    initials: HashMap<String, Vec<String>>,
    longest_entry: usize,
}

/// The text of a name people say: `新生儿出生一件事` → `新生儿出生`.
fn bare_name(name: &str) -> &str {
    name.trim_end_matches("一件事")
}

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> Self {
        let lexicon = &catalog.lexicon;
        let mut vocabulary = BTreeSet::new();
        for one in catalog.one_things.values() {
            vocabulary.insert(bare_name(&one.name).to_lowercase());
            vocabulary.extend(one.keywords.iter().map(|k| k.to_lowercase()));
        }
        for item in catalog.items.values() {
            vocabulary.insert(item.name.to_lowercase());
            // People type an item's name without its qualifier: 不动产转移登记 for
            // 不动产转移登记（存量房买卖）.
            if let Some((bare, _)) = item.name.split_once('（')
                && bare.chars().count() >= 2
            {
                vocabulary.insert(bare.to_lowercase());
            }
        }
        let mut synonyms: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut qualifiers = BTreeSet::new();
        let mut decisive_phrases = BTreeSet::new();
        for synonym in &lexicon.synonyms {
            for phrase in &synonym.phrases {
                if synonym.qualifier {
                    qualifiers.insert(phrase.to_lowercase());
                } else {
                    decisive_phrases.insert(phrase.to_lowercase());
                }
            }
            for term in &synonym.terms {
                vocabulary.insert(term.to_lowercase());
            }
            for phrase in &synonym.phrases {
                let entry = synonyms.entry(phrase.to_lowercase()).or_default();
                for term in &synonym.terms {
                    if !entry.contains(&term.to_lowercase()) {
                        entry.push(term.to_lowercase());
                    }
                }
            }
        }
        // A phrase that some entry gives as decisive is decisive.
        qualifiers.retain(|phrase| !decisive_phrases.contains(phrase));
        vocabulary.retain(|word| word.chars().count() >= 2 || word.chars().any(is_han));
        let stopwords: BTreeSet<String> = lexicon.stopwords.iter().map(|w| w.to_lowercase()).collect();

        let mut one_things = Vec::new();
        let mut one_thing_docs = Vec::new();
        let mut item_owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for one in catalog.one_things.values() {
            let mut doc = Doc::default();
            doc.add_text(&one.name, FIELD_NAME, &vocabulary);
            for keyword in &one.keywords {
                doc.add_text(keyword, FIELD_KEYWORD, &vocabulary);
            }
            doc.add_text(&one.summary, FIELD_SUMMARY, &vocabulary);
            doc.add_text(&one.life_stage, FIELD_STAGE, &vocabulary);
            for question in &one.questions {
                doc.add_text(&question.text, FIELD_QUESTION, &vocabulary);
                for option in &question.options {
                    doc.add_text(&option.label, FIELD_QUESTION, &vocabulary);
                }
            }
            let mut materials = BTreeSet::new();
            for member in &one.members {
                if let Some(item) = catalog.items.get(&member.item) {
                    doc.add_text(&item.name, FIELD_ITEM, &vocabulary);
                    materials.extend(item.materials.iter().cloned());
                    item_owners
                        .entry(item.code.to_string())
                        .or_default()
                        .push(one.id.to_string());
                }
            }
            for material in materials {
                if let Some(material) = catalog.materials.get(&material) {
                    doc.add_text(&material.name, FIELD_MATERIAL, &vocabulary);
                }
            }
            one_things.push((one.id.to_string(), one.name.clone(), one.summary.clone()));
            one_thing_docs.push(doc);
        }

        let mut items = Vec::new();
        let mut item_docs = Vec::new();
        for item in catalog.items.values() {
            let Some(owners) = item_owners.get(item.code.as_str()) else {
                continue;
            };
            let mut doc = Doc::default();
            doc.add_text(&item.name, FIELD_NAME, &vocabulary);
            for material in &item.materials {
                if let Some(material) = catalog.materials.get(material) {
                    doc.add_text(&material.name, FIELD_SUMMARY, &vocabulary);
                }
            }
            let department = catalog.department_name(&item.department).to_owned();
            doc.add_text(&department, FIELD_MATERIAL, &vocabulary);
            items.push((item.code.to_string(), item.name.clone(), department, owners.clone()));
            item_docs.push(doc);
        }

        let mut homophones: HashMap<String, Vec<String>> = HashMap::new();
        let mut initials: HashMap<String, Vec<String>> = HashMap::new();
        for entry in vocabulary.iter().chain(synonyms.keys()) {
            if entry.chars().count() >= 2 && entry.chars().all(is_han) {
                homophones.entry(pinyin_key(entry)).or_default().push(entry.clone());
            }
        }
        let initial_sources = catalog
            .one_things
            .values()
            .map(|one| bare_name(&one.name).to_owned())
            .chain(catalog.one_things.values().flat_map(|one| one.keywords.iter().cloned()))
            // The lexicon's catalog terms of four characters or more (社会保障卡 →
            // shbzk): shorter initials would collide.
            .chain(
                lexicon
                    .synonyms
                    .iter()
                    .flat_map(|synonym| synonym.terms.iter())
                    .filter(|term| term.chars().count() >= 4 && term.chars().all(is_han))
                    .cloned(),
            );
        for word in initial_sources {
            if let Some(key) = pinyin_initials(&word)
                && key.len() >= 2
            {
                let words = initials.entry(key).or_default();
                if !words.contains(&word) {
                    words.push(word);
                }
            }
        }
        let longest_entry = vocabulary
            .iter()
            .chain(synonyms.keys())
            .chain(stopwords.iter())
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(1);
        Self {
            one_things,
            items,
            one_thing_corpus: Corpus::new(one_thing_docs),
            item_corpus: Corpus::new(item_docs),
            vocabulary,
            synonyms,
            qualifiers,
            stopwords,
            homophones,
            initials,
            longest_entry,
        }
    }

    /// Pushes every vocabulary word and lexicon phrase in `chars`, longest first (one
    /// inside a longer match adds nothing), and returns which characters a match
    /// covers and which a stopword covers.
    fn match_entries(&self, chars: &[char], push: &mut impl FnMut(QueryTerm)) -> (Vec<bool>, Vec<bool>) {
        let mut matches: Vec<(usize, usize)> = Vec::new();
        let mut covered = vec![false; chars.len()];
        let mut stopword = vec![false; chars.len()];
        for length in (1..=self.longest_entry.min(chars.len())).rev() {
            for start in 0..=chars.len() - length {
                let end = start + length;
                let window: String = chars[start..end].iter().collect();
                let is_stopword = self.stopwords.contains(&window);
                let synonym = self.synonyms.get(&window);
                let is_term = self.vocabulary.contains(&window);
                if !(is_stopword || synonym.is_some() || is_term) {
                    continue;
                }
                // Inside a longer match, a term or phrase still counts (挂失 in
                // 社保卡挂失 names the item), a stopword does not (个 in 个体户).
                let outer = matches.iter().find(|&&(s, e)| s <= start && end <= e).copied();
                if outer.is_some() && is_stopword && synonym.is_none() && !is_term {
                    continue;
                }
                let (group, weight): (String, f64) = match outer {
                    Some((s, e)) => (chars[s..e].iter().collect(), WEIGHT_INNER),
                    None => (window.clone(), WEIGHT_TERM),
                };
                matches.push((start, end));
                covered[start..end].iter_mut().for_each(|c| *c = true);
                if is_stopword && synonym.is_none() && !is_term {
                    stopword[start..end].iter_mut().for_each(|c| *c = true);
                }
                if is_term {
                    push(QueryTerm {
                        key: window.clone(),
                        weight,
                        reason: Reason {
                            typed: window.clone(),
                            term: window.clone(),
                            via: Via::Term,
                        },
                        group: group.clone(),
                        decisive: true,
                    });
                }
                if let Some(targets) = synonym {
                    let decisive = !self.qualifiers.contains(&window);
                    for target in targets {
                        push(QueryTerm {
                            key: target.clone(),
                            weight,
                            reason: Reason {
                                typed: window.clone(),
                                term: target.clone(),
                                via: Via::Synonym,
                            },
                            group: group.clone(),
                            decisive,
                        });
                    }
                }
            }
        }
        (covered, stopword)
    }

    /// The terms of a normalised query, each with its weight and reason.
    fn query_terms(&self, query: &str) -> Vec<QueryTerm> {
        let mut terms: Vec<QueryTerm> = Vec::new();
        let mut push = |term: QueryTerm| {
            // Qualifiers said apart stay apart (专利 and 仿冒 both stand for 知识产权保护):
            // together they may name a one-thing that neither names alone.
            let apart = |t: &QueryTerm| {
                !t.decisive && !term.decisive && t.reason.via != Via::Characters && t.group != term.group
            };
            if let Some(existing) = terms.iter_mut().find(|t| t.key == term.key && !apart(t)) {
                // The stronger finding stands; a decisive one over a qualifier.
                if (term.decisive, term.weight) > (existing.decisive, existing.weight) {
                    *existing = term;
                }
            } else {
                terms.push(term);
            }
        };
        let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();

        // Pinyin initials: a run of two to eight Latin letters, alone (sbk) or beside
        // Han text (sbk补办).
        for run in compact.split(|c: char| !c.is_ascii_lowercase()) {
            if !(2..=8).contains(&run.len()) {
                continue;
            }
            let Some(words) = self.initials.get(run) else {
                continue;
            };
            for word in words {
                push(QueryTerm {
                    key: word.to_lowercase(),
                    weight: WEIGHT_PINYIN,
                    reason: Reason {
                        typed: run.to_owned(),
                        term: word.clone(),
                        via: Via::Pinyin,
                    },
                    group: run.to_owned(),
                    decisive: true,
                });
            }
        }

        // Every vocabulary word and lexicon phrase the query contains, longest first;
        // then the same over the query without its stopwords, so that “注册一家公司”
        // finds 注册公司 and “公司法人代表换人了” 法人代表换人.
        let chars: Vec<char> = compact.chars().collect();
        let (mut covered, stopword) = self.match_entries(&chars, &mut push);
        if stopword.iter().any(|s| *s) {
            let reduced: Vec<char> = chars
                .iter()
                .zip(&stopword)
                .filter(|(_, stop)| !**stop)
                .map(|(c, _)| *c)
                .collect();
            self.match_entries(&reduced, &mut push);
        }

        // An age written as a number (八十五岁, 85岁, 九十多岁) stands for the lexicon's
        // phrase of its decade (八十岁, 九十岁), which no list of phrases could spell out.
        for (start, end, years) in ages(&chars) {
            let decade = match years {
                80..=89 => "八十岁",
                90..=99 => "九十岁",
                100..=130 => "百岁",
                _ => continue,
            };
            let Some(targets) = self.synonyms.get(decade) else {
                continue;
            };
            let written: String = chars[start..end].iter().collect();
            covered[start..end].iter_mut().for_each(|c| *c = true);
            for target in targets {
                push(QueryTerm {
                    key: target.clone(),
                    weight: WEIGHT_TERM,
                    reason: Reason {
                        typed: written.clone(),
                        term: target.clone(),
                        via: Via::Synonym,
                    },
                    group: written.clone(),
                    decisive: true,
                });
            }
        }

        // Homophone typos: a window not wholly matched that sounds like a term or
        // phrase and differs from it in one character.
        for length in (2..=6.min(chars.len())).rev() {
            for start in 0..=chars.len() - length {
                let end = start + length;
                if covered[start..end].iter().all(|c| *c) || !chars[start..end].iter().all(|c| is_han(*c)) {
                    continue;
                }
                let window: String = chars[start..end].iter().collect();
                let Some(candidates) = self.homophones.get(&pinyin_key(&window)) else {
                    continue;
                };
                for candidate in candidates {
                    let differing = candidate.chars().zip(window.chars()).filter(|(a, b)| a != b).count();
                    if differing != 1 {
                        continue;
                    }
                    covered[start..end].iter_mut().for_each(|c| *c = true);
                    let targets: Vec<String> = match self.synonyms.get(candidate) {
                        Some(targets) => targets.clone(),
                        None => vec![candidate.clone()],
                    };
                    let decisive = !self.qualifiers.contains(candidate);
                    for target in targets {
                        push(QueryTerm {
                            key: target.clone(),
                            weight: WEIGHT_TYPO,
                            reason: Reason {
                                typed: window.clone(),
                                term: target,
                                via: Via::Typo,
                            },
                            group: window.clone(),
                            decisive,
                        });
                    }
                }
            }
        }

        // What nothing covers (neither a term, a phrase, a typo nor a stopword) is
        // compared as bigrams.
        let uncovered: String = chars
            .iter()
            .zip(&covered)
            .map(|(c, covered)| if *covered { ' ' } else { *c })
            .collect();
        for bigram in bigrams(&uncovered) {
            push(QueryTerm {
                key: bigram_key(&bigram),
                weight: WEIGHT_BIGRAM,
                reason: Reason {
                    typed: bigram.clone(),
                    term: bigram.clone(),
                    via: Via::Characters,
                },
                group: bigram,
                decisive: false,
            });
        }
        terms
    }

    /// Ranks the one-things and items for `raw` as typed. Refuses empty, overlong
    /// and control-character input.
    pub fn search(&self, raw: &str) -> Result<SearchResult, QueryError> {
        let query = text::normalize(raw, text::MAX_QUERY_CHARS, false)?;
        Ok(self.search_normalized(query))
    }

    /// The confident one-things for a longer text already normalised (a description
    /// of up to [`text::MAX_DESCRIPTION_CHARS`]), best first, as `(id, name)`.
    pub fn rank_text(&self, normalized: &str) -> Vec<(String, String)> {
        self.search_normalized(normalized.to_lowercase())
            .one_things
            .into_iter()
            .map(|hit| (hit.id, hit.name))
            .collect()
    }

    fn search_normalized(&self, query: String) -> SearchResult {
        let terms = self.query_terms(&query);
        // A one-thing that matches more of what was said ranks above one that matches
        // a part of it strongly (新生儿办社保卡: 新生儿 and 社保卡, not 社保卡 alone).
        let pieces: BTreeSet<&str> = terms.iter().filter(|t| t.decisive).map(|t| t.group.as_str()).collect();
        let mut hits: Vec<(Scored, usize)> = (0..self.one_things.len())
            .map(|index| {
                let mut scored = self.one_thing_corpus.score(index, &terms);
                let share = (1.0 + scored.pieces as f64) / (1.0 + pieces.len() as f64);
                scored.score *= share;
                scored.decisive *= share;
                scored.characters *= share;
                (scored, index)
            })
            .filter(|(scored, _)| scored.score > 0.0)
            .collect();
        hits.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.1.cmp(&b.1)));
        let second = hits.get(1).map_or(0.0, |h| h.0.score);
        let found = hits.first().is_some_and(|(scored, _)| {
            // Qualifiers (补办, 过户) never make an answer confident: not as terms, and
            // not as characters.
            let evidence = scored.decisive + scored.characters;
            // Two qualifiers said apart that agree on one one-thing name it (专利 and
            // 仿冒, 户口 and 迁到); one alone (车辆过户, 申请专利) does not.
            (scored.score >= CONFIDENT_SCORE
                && (scored.decisive >= CONFIDENT_TERM_SCORE || scored.qualifiers >= QUALIFIERS_TOGETHER))
                // Shared characters alone suffice when they are many and point to one
                // one-thing clearly (企业档案迁移): twice the runner-up and a high floor.
                || (evidence >= CONFIDENT_CHARACTERS_SCORE && evidence >= CHARACTERS_MARGIN * second)
        });
        let top = hits.first().map(|h| h.0.score).unwrap_or(0.0);
        let one_things = if found {
            hits.into_iter()
                .enumerate()
                .filter(|(rank, (scored, _))| {
                    *rank == 0 || (scored.score >= top * TAIL_SHARE && scored.score > scored.characters)
                })
                .map(|(_, hit)| hit)
                .take(MAX_ONE_THINGS)
                .filter_map(|(scored, index)| {
                    let (id, name, summary) = self.one_things.get(index)?.clone();
                    let mut reasons = scored.reasons;
                    reasons.sort_by(|a, b| a.via.cmp(&b.via));
                    Some(OneThingHit {
                        id,
                        name,
                        summary,
                        score: round(scored.score),
                        reasons,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };

        // An item is listed on what was typed for it, qualifiers included (挂失 names
        // the item 社会保障卡正式挂失), but never on characters alone.
        let mut item_hits: Vec<(f64, f64, usize, Vec<Reason>)> = (0..self.items.len())
            .map(|index| {
                let scored = self.item_corpus.score(index, &terms);
                (scored.score, scored.score - scored.characters, index, scored.reasons)
            })
            .filter(|(_, term_score, ..)| *term_score >= CONFIDENT_TERM_SCORE)
            .collect();
        item_hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.cmp(&b.2)));
        let items = if found {
            item_hits
                .into_iter()
                .take(MAX_ITEMS)
                .filter_map(|(score, _, index, mut reasons)| {
                    let (code, name, department_name, one_things) = self.items.get(index)?.clone();
                    reasons.sort_by(|a, b| a.via.cmp(&b.via));
                    Some(ItemHit {
                        code,
                        name,
                        department_name,
                        one_things,
                        score: round(score),
                        reasons,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        SearchResult {
            query,
            found,
            one_things,
            items,
        }
    }
}

fn round(score: f64) -> f64 {
    (score * 1000.0).round() / 1000.0
}
