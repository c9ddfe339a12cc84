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

/// The floors are the figures reached when issue #19 was closed, query for query: a
/// change to the lexicon or the ranking that loses one query fails here. Before that
/// work the sets measured: tuning 85/85; held-out 207/213 top-1, 211/213 top-3, 16/16
/// refused; the second 121/125, 123/125, 9/12; the third 98/104, 99/104, 11/12. The
/// fourth, written from the one-things' names and summaries by someone who had not
/// read the lexicon, measured 144/157 top-1, 148/157 top-3 and 14/16 refused before
/// and was never tuned on (`search_eval -- --misses` prints what it still misses).
/// The fifth, written the same way before the last changes and measured once before
/// them, measured 164/175 top-1, 168/175 top-3 and 17/17 refused; after them 175/175,
/// 175/175 and 17/17 (the fourth 156/157 top-1). The floors of these two newest sets
/// leave one query of top-1 as margin. Five phrasings for the person's credit report,
/// added to the fifth set with that one-thing, measured 2/5 top-1 and 5/5 top-3 (the
/// fifth 177/180 and 180/180).
#[test]
fn accuracy_on_the_labelled_sets_stays_at_what_was_reached() {
    let index = index();
    for (name, text, top1, top3, refused) in [
        ("tuning", include_str!("data/tuning.tsv"), 85, 85, 8),
        ("held-out", include_str!("data/heldout.tsv"), 212, 213, 16),
        ("held-out 2", include_str!("data/heldout2.tsv"), 125, 125, 12),
        ("held-out 3", include_str!("data/heldout3.tsv"), 104, 104, 12),
        ("held-out 4", include_str!("data/heldout4.tsv"), 155, 157, 15),
        ("held-out 5", include_str!("data/heldout5.tsv"), 176, 180, 17),
    ] {
        let accuracy = measure(&index, &parse_set(text));
        assert!(
            accuracy.top1 >= top1 && accuracy.top3 >= top3 && accuracy.refused >= refused,
            "{name}: top-1 {}/{}, top-3 {}/{}, refused {}/{}; misses: {:?}",
            accuracy.top1,
            accuracy.answerable,
            accuracy.top3,
            accuracy.answerable,
            accuracy.refused,
            accuracy.unanswerable,
            accuracy.misses
        );
    }
}

/// Issue #19's goals over every labelled query together: top-1 at least 95 %, top-3
/// at least 99 %, and at least 300 queries in all.
#[test]
fn all_labelled_queries_together_meet_the_issue_s_goals() {
    let index = index();
    let mut set = Vec::new();
    for text in [
        include_str!("data/heldout.tsv"),
        include_str!("data/heldout2.tsv"),
        include_str!("data/heldout3.tsv"),
        include_str!("data/heldout4.tsv"),
        include_str!("data/heldout5.tsv"),
    ] {
        set.extend(parse_set(text));
    }
    let accuracy = measure(&index, &set);
    assert!(set.len() >= 300, "{} labelled queries", set.len());
    assert!(
        accuracy.top1_rate() >= 0.95 && accuracy.top3_rate() >= 0.99,
        "top-1 {:.3}, top-3 {:.3}",
        accuracy.top1_rate(),
        accuracy.top3_rate()
    );
}

/// One-things added after the first and the fourth held-out sets were written: a set is
/// never edited after its measurement, so their phrasings are in the newest set only.
const ADDED_AFTER_THE_FOURTH_SET: [&str; 1] = ["personal-credit-report"];

#[test]
fn every_one_thing_is_reached_by_held_out_queries() {
    let catalog = testkit::catalog();
    let first = parse_set(include_str!("data/heldout.tsv"));
    let fourth = parse_set(include_str!("data/heldout4.tsv"));
    let fifth = parse_set(include_str!("data/heldout5.tsv"));
    for id in catalog.one_things.keys() {
        let sets: &[(&str, &Vec<_>)] = if ADDED_AFTER_THE_FOURTH_SET.contains(&id.as_str()) {
            &[("heldout5", &fifth)]
        } else {
            assert!(
                first.iter().any(|l| l.expected == id.as_str()),
                "no held-out query for {id}"
            );
            &[("heldout4", &fourth), ("heldout5", &fifth)]
        };
        for &(name, set) in sets {
            let phrasings = set.iter().filter(|l| l.expected == id.as_str()).count();
            assert!(phrasings >= 4, "{name} has {phrasings} phrasings for {id}");
        }
    }
}

/// 征信 has two sides: a person's own report and an enterprise's. Words naming whose
/// report it is decide, and printing one's 征信报告 is what a person does at the
/// 人民银行 counter.
#[test]
fn a_person_s_credit_report_and_an_enterprise_s_are_told_apart() {
    let index = index();
    for (query, expected) in [
        ("查个人征信", "personal-credit-report"),
        ("个人信用报告", "personal-credit-report"),
        ("打印征信报告", "personal-credit-report"),
        ("本人征信", "personal-credit-report"),
        ("企业征信报告", "credit-report"),
        ("公司征信", "credit-report"),
        ("公共信用信息报告", "credit-report"),
    ] {
        assert_eq!(first(&index, query).as_deref(), Some(expected), "{query}");
    }
    // Asked for by name, a person's report does not offer the enterprise's at all.
    let hits = index.search("个人信用报告").unwrap().one_things;
    assert!(hits.iter().all(|hit| hit.id != "credit-report"), "{hits:?}");
}

/// Words that only say what is done (补办, 过户, 门诊) rank a one-thing named
/// otherwise but are no answer alone; with what they qualify they still find it.
#[test]
fn qualifiers_alone_are_not_an_answer() {
    let index = index();
    for query in ["补办结婚证", "车辆过户", "门诊预约挂号", "公积金贷款买房"] {
        let result = index.search(query).unwrap();
        assert!(!result.found, "{query}: {:?}", result.one_things);
    }
    assert_eq!(first(&index, "社保卡补办").as_deref(), Some("social-security-card"));
    assert_eq!(first(&index, "二手房过户").as_deref(), Some("second-hand-home"));
}

/// Two qualifiers said apart that agree on one one-thing name it; each alone does
/// not, and moving house is not moving a company.
#[test]
fn two_qualifiers_together_name_what_neither_names_alone() {
    let index = index();
    for (query, expected) in [
        ("我的专利被别人仿冒了怎么办", "ip-protection"),
        ("别人盗用我们的商标", "ip-protection"),
        ("想把户口从外地迁到本市", "hukou-migration"),
        ("公司注册地要从上海迁到杭州", "enterprise-relocation"),
    ] {
        assert_eq!(first(&index, query).as_deref(), Some(expected), "{query}");
    }
    for query in [
        "侵犯隐私",
        "假冒伪劣产品投诉",
        "老人搬到养老院",
        "户口本丢了",
        "申请专利",
    ] {
        let result = index.search(query).unwrap();
        assert!(!result.found, "{query}: {:?}", result.one_things);
    }
    assert_eq!(
        first(&index, "我搬到新家了要接燃气").as_deref(),
        Some("utility-connection")
    );
}

/// One stretch of the query is one piece of evidence: a phrase that stands for three
/// catalog terms does not outweigh the one that names what is meant.
#[test]
fn what_is_said_outweighs_how_many_terms_a_phrase_stands_for() {
    let index = index();
    for (query, expected) in [
        ("户口从老家迁过来", "hukou-migration"),
        ("户口迁入本市", "hukou-migration"),
        ("公司从外地迁过来", "enterprise-relocation"),
        ("生育医疗费怎么报销", "newborn"),
        ("个体户自己交社保", "flexible-employment-insurance"),
    ] {
        assert_eq!(first(&index, query).as_deref(), Some(expected), "{query}");
    }
}

#[test]
fn an_age_of_eighty_or_more_finds_the_old_age_allowance() {
    let index = index();
    for query in ["爷爷八十五岁能领什么补贴", "我妈86岁", "奶奶九十多岁了有补贴吗"] {
        let result = index.search(query).unwrap();
        assert_eq!(
            result.one_things.first().map(|h| h.id.as_str()),
            Some("elderly-allowances"),
            "{query}"
        );
        assert!(
            result.one_things[0].reasons.iter().any(|r| r.typed.ends_with('岁')),
            "{query}: {:?}",
            result.one_things[0].reasons
        );
    }
    // A child's age is no old age.
    assert_ne!(first(&index, "孩子5岁").as_deref(), Some("elderly-allowances"));
}

#[test]
fn an_old_age_without_sui_is_read_after_man_or_before_le() {
    let index = index();
    for query in [
        "爷爷满八十了有补贴领不",
        "我妈85了每个月有没有补助",
        "奶奶满90有什么补贴",
    ] {
        assert_eq!(first(&index, query).as_deref(), Some("elderly-allowances"), "{query}");
    }
    // Small numbers before 了 or after 满 are no ages.
    assert_ne!(first(&index, "孩子满3个月了").as_deref(), Some("elderly-allowances"));
    assert_ne!(first(&index, "社保交了15了").as_deref(), Some("elderly-allowances"));
}

#[test]
fn pinyin_initials_beside_han_text_are_read() {
    let index = index();
    let result = index.search("sbk补办").unwrap();
    assert_eq!(result.one_things[0].id, "social-security-card");
    assert!(
        result.one_things[0]
            .reasons
            .iter()
            .any(|r| r.via == Via::Pinyin && r.typed == "sbk"),
        "{:?}",
        result.one_things[0].reasons
    );
}

#[test]
fn ball_games_and_races_are_sports_events() {
    let index = index();
    for query in ["举办篮球比赛需要什么手续", "搞个足球联赛", "办一场羽毛球比赛"] {
        assert_eq!(first(&index, query).as_deref(), Some("sports-event"), "{query}");
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
    // Initials of a lexicon term of four characters or more: 社会保障卡.
    assert_eq!(first(&index, "shbzk").as_deref(), Some("social-security-card"));
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
