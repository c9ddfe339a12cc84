//! Search over the bundled catalog: accuracy on the labelled sets, and the
//! behaviours a person relies on (reasons, typos, pinyin, 没有找到, bad input).

use guide::eval::{measure, parse_set};
use guide::{QueryError, SearchIndex, Via};

fn index() -> SearchIndex {
    SearchIndex::new(&testkit::catalog())
}

fn first(index: &SearchIndex, query: &str) -> Option<String> {
    index
        .search(query)
        .unwrap()
        .one_things
        .first()
        .map(|hit| hit.id.clone())
}

/// The floors are the figures measured minus a small margin. The first held-out set
/// (97.4 % top-1, 99.5 % top-3, 17/17 refused) and the second (96.8 %, 98.4 %, 9/12)
/// were each seen while improving the ranking and the lexicon; the second was 89.6 %
/// and 91.2 % when first measured. The third, written before the final ranking was
/// measured and measured once, is the clean figure: 94.2 % top-1, 95.2 % top-3, 11/12
/// refused. A change to the lexicon or the ranking that loses queries fails here.
/// Since the eight national one-things of issue #20, “企业破产清算” (labelled none when
/// the catalog had no bankruptcy one-thing) finds 企业破产信息核查: 16/17 refused.
#[test]
fn accuracy_on_the_labelled_sets_stays_above_what_was_measured() {
    let index = index();
    let tuning = measure(&index, &parse_set(include_str!("data/tuning.tsv")));
    let heldout = measure(&index, &parse_set(include_str!("data/heldout.tsv")));
    assert!(
        heldout.answerable >= 150,
        "the held-out set has {} answerable queries",
        heldout.answerable
    );
    for (name, accuracy, top1, top3) in [("tuning", &tuning, 0.97, 0.99), ("held-out", &heldout, 0.95, 0.97)] {
        assert!(
            accuracy.top1_rate() >= top1 && accuracy.top3_rate() >= top3 && accuracy.refusal_rate() >= 0.9,
            "{name}: top-1 {:.3}, top-3 {:.3}, refused {:.3}; misses: {:?}",
            accuracy.top1_rate(),
            accuracy.top3_rate(),
            accuracy.refusal_rate(),
            accuracy.misses
        );
    }
}

#[test]
fn every_one_thing_is_reached_by_some_held_out_query() {
    let catalog = testkit::catalog();
    let set = parse_set(include_str!("data/heldout.tsv"));
    for id in catalog.one_things.keys() {
        assert!(
            set.iter().any(|l| l.expected == id.as_str()),
            "no held-out query for {id}"
        );
    }
}

#[test]
fn the_issue_s_examples_come_first_with_their_reason() {
    let index = index();
    for (query, expected, typed, via) in [
        ("报销生育费用", "newborn", "报销生育", Via::Synonym),
        ("生育津贴", "newborn", "生育津贴", Via::Synonym),
        ("改公司名字", "enterprise-change", "改公司名字", Via::Synonym),
        ("公司法人代表换人了", "enterprise-change", "法人代表换人", Via::Synonym),
        ("想开个小饭馆", "restaurant", "小饭馆", Via::Synonym),
        ("我要注册一家公司", "enterprise-startup", "注册公司", Via::Synonym),
        ("家里老人走了", "after-death", "老人走了", Via::Synonym),
        ("社保咔丢了", "social-security-card", "社保咔", Via::Typo),
    ] {
        let result = index.search(query).unwrap();
        assert!(result.found, "{query}");
        let hit = &result.one_things[0];
        assert_eq!(hit.id, expected, "{query}: {:?}", result.one_things);
        assert!(
            hit.reasons.iter().any(|r| r.typed.contains(typed) && r.via == via),
            "{query}: reasons {:?}",
            hit.reasons
        );
    }
}

/// The everyday phrasings of issue #20 reach the eight national one-things added last,
/// and the neighbouring things the catalog still does not hold stay 没有找到.
#[test]
fn everyday_phrasings_find_the_national_one_things_added_last() {
    let index = index();
    for (query, expected) in [
        ("查征信", "credit-report"),
        ("纳税信用等级", "tax-credit-query"),
        ("公司要上市开证明", "listing-compliance"),
        ("破产清算查询", "bankruptcy-check"),
        ("修复信用", "credit-repair"),
        ("办马拉松", "sports-event"),
        ("专利被侵权", "ip-protection"),
        ("高新技术企业补贴", "tech-innovation"),
    ] {
        assert_eq!(first(&index, query).as_deref(), Some(expected), "{query}");
    }
    for query in ["申请专利", "商标注册"] {
        assert!(!index.search(query).unwrap().found, "{query}");
    }
}

#[test]
fn homophone_typos_are_corrected_and_say_so() {
    let index = index();
    let result = index.search("户口签移").unwrap();
    assert_eq!(result.one_things[0].id, "hukou-migration");
    let reason = result.one_things[0]
        .reasons
        .iter()
        .find(|r| r.via == Via::Typo)
        .unwrap();
    assert_eq!(reason.typed, "户口签移");
    assert!(reason.explain_zh().contains("纠错"));
    // A different sound is not a typo of 社保卡: 社保局 is not in the catalog.
    assert!(
        !index
            .search("社保局电话")
            .unwrap()
            .one_things
            .iter()
            .any(|hit| hit.reasons.iter().any(|r| r.via == Via::Typo))
    );
}

#[test]
fn pinyin_initials_find_names_and_keywords() {
    let index = index();
    assert_eq!(first(&index, "qykb").as_deref(), Some("enterprise-startup"));
    assert_eq!(first(&index, "QYKB").as_deref(), Some("enterprise-startup"));
    assert_eq!(first(&index, "sbk").as_deref(), Some("social-security-card"));
    let result = index.search("hkqy").unwrap();
    assert_eq!(result.one_things[0].reasons[0].via, Via::Pinyin);
    // Initials that abbreviate nothing find nothing.
    assert!(!index.search("zzzq").unwrap().found);
}

#[test]
fn what_the_catalog_does_not_hold_is_not_found_rather_than_guessed() {
    let index = index();
    for query in ["办护照", "离婚手续", "申请专利", "今天天气怎么样", "asdfgh", "1234567"] {
        let result = index.search(query).unwrap();
        assert!(
            !result.found && result.one_things.is_empty() && result.items.is_empty(),
            "{query}: {result:?}"
        );
    }
}

#[test]
fn items_are_ranked_with_the_one_things_they_belong_to() {
    let index = index();
    let result = index.search("社保卡挂失").unwrap();
    let item = &result.items[0];
    assert_eq!(item.name, "社会保障卡正式挂失");
    assert!(item.one_things.contains(&"social-security-card".to_owned()));
}

#[test]
fn bad_input_is_refused_with_its_code() {
    let index = index();
    assert_eq!(index.search("  ").unwrap_err(), QueryError::Empty);
    assert_eq!(index.search("生孩子\u{0000}").unwrap_err().code(), "E_QUERY_INVALID");
    assert_eq!(index.search(&"生".repeat(101)).unwrap_err().code(), "E_QUERY_TOO_LONG");
}

#[test]
fn ranking_is_deterministic() {
    let index = index();
    let a = serde_json_like(&index, "孩子出生了需要办哪些手续");
    let b = serde_json_like(&index, "孩子出生了需要办哪些手续");
    assert_eq!(a, b);
}

fn serde_json_like(index: &SearchIndex, query: &str) -> Vec<(String, String)> {
    index
        .search(query)
        .unwrap()
        .one_things
        .into_iter()
        .map(|hit| (hit.id, format!("{:.3}", hit.score)))
        .collect()
}
