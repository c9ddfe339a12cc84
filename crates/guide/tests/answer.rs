//! Questions answered from the catalog: each answer from the catalog's fields, with
//! its source, dates from the given day under the calendar, and no answer made up.

use chrono::NaiveDate;
use guide::answer::{Context, ask, topics_of};
use guide::{SearchIndex, Topic};

const CONTACT: &str = "综合窗口，12345";

fn reply(question: &str, one_thing: Option<&str>, today: NaiveDate) -> guide::Reply {
    let catalog = testkit::catalog();
    let index = SearchIndex::new(&catalog);
    let calendar = testkit::calendar();
    let context = Context {
        catalog: &catalog,
        index: &index,
        calendar: &calendar,
        today,
        contact: CONTACT,
    };
    ask(&context, question, one_thing).unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn the_five_questions_are_recognised() {
    assert_eq!(topics_of("要带什么材料"), [Topic::Materials]);
    assert_eq!(topics_of("多久能办完"), [Topic::Duration]);
    assert_eq!(topics_of("要跑几次"), [Topic::Visits]);
    assert_eq!(topics_of("在哪里办"), [Topic::Place]);
    assert_eq!(topics_of("要多少钱"), [Topic::Fee]);
    assert_eq!(
        topics_of("开饭店要带什么材料，多久能办好"),
        [Topic::Materials, Topic::Duration]
    );
    assert!(topics_of("开饭店").is_empty());
}

#[test]
fn materials_come_from_the_plan_with_their_sources() {
    let reply = reply("生孩子要带什么材料", None, day("2026-03-02"));
    assert_eq!(reply.one_thing.as_ref().unwrap().0, "newborn");
    assert_eq!(reply.notice_link.as_deref(), Some("/one-things/newborn"));
    let answer = &reply.answers[0];
    assert!(answer.answered);
    // The catalog's own material names, each with how it is provided.
    assert!(
        answer
            .facts
            .iter()
            .any(|f| f.starts_with("生育医疗费用票据及费用清单：需要提交")),
        "{:?}",
        answer.facts
    );
    assert!(
        answer
            .facts
            .iter()
            .any(|f| f.starts_with("出生医学证明：") && f.contains("免提交")),
        "{:?}",
        answer.facts
    );
    assert!(answer.sources.iter().any(|s| s.file == "onethings/newborn.toml"));
    assert!(answer.sources.iter().any(|s| s.file == "materials.toml"));
}

#[test]
fn the_promised_date_is_counted_in_working_days_from_today() {
    // 2026-09-30 is a Wednesday before the National Day week: the days of 国庆 are not
    // working days, so the promised date moves past them.
    let autumn = reply("新生儿出生多久能办完", None, day("2026-09-30"));
    let spring = reply("新生儿出生多久能办完", None, day("2026-03-02"));
    let text = &autumn.answers[0].text;
    assert!(text.contains("今天（2026年09月30日）"), "{text}");
    let days = |t: &str| -> u32 {
        let start = t.find("共").unwrap() + "共".len();
        t[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    assert_eq!(days(text), days(&spring.answers[0].text), "the same working days");
    assert!(text.contains("最迟2026年10月"), "{text}");
    assert!(autumn.answers[0].sources.iter().any(|s| s.file == "calendar/*.toml"));
}

#[test]
fn visits_and_place_come_from_the_catalog() {
    let reply = reply("开饭店要跑几次，在哪里办", None, day("2026-03-02"));
    assert_eq!(reply.one_thing.as_ref().unwrap().0, "restaurant");
    let visits = reply.answers.iter().find(|a| a.topic == Topic::Visits).unwrap();
    assert!(visits.text.starts_with("最多跑1次"), "{}", visits.text);
    let place = reply.answers.iter().find(|a| a.topic == Topic::Place).unwrap();
    assert!(
        place.text.contains(CONTACT) && place.text.contains("牵头部门是"),
        "{}",
        place.text
    );
    let online = reply_for_newborn_visits();
    assert!(online.starts_with("全程网上办，不用跑"), "{online}");
}

fn reply_for_newborn_visits() -> String {
    reply("要跑几次", Some("newborn"), day("2026-03-02")).answers[0]
        .text
        .clone()
}

#[test]
fn what_the_catalog_does_not_hold_is_said_and_routed_to_a_person() {
    let reply = reply("开饭店要多少钱", None, day("2026-03-02"));
    let fee = &reply.answers[0];
    assert!(!fee.answered);
    assert!(fee.text.contains("没有") && fee.text.contains(CONTACT), "{}", fee.text);
    assert!(fee.sources.is_empty());

    let unknown = self::reply("办护照要带什么材料", None, day("2026-03-02"));
    assert!(unknown.one_thing.is_none() && unknown.answers.is_empty());
    assert!(unknown.fallback.unwrap().contains(CONTACT));
}
