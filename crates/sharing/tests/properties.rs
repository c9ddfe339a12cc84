//! Properties over many inputs: date formats, ages, and generated identifiers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Days, NaiveDate};
use ids::{CreditCode, IdNumber};
use proptest::prelude::*;
use serde_json::json;
use sharing::{Generator, Registry, full_years};

const SOURCES: &str = r#"
[[source]]
code = "population"
name = "人口基础信息库"
department = "GA"
subject = "person"
attributes = ["a", "b", "c", "d"]
legal_basis = "《政务数据共享条例》"
[source.http]
url = "http://127.0.0.1:9/p/{subject}"
[source.http.fields]
a = { field = "a", format = "yyyymmdd" }
b = { field = "b", format = "yyyy/mm/dd" }
c = { field = "c", format = "yyyy年m月d日" }
d = { field = "d", format = "yyyy-mm-dd" }
"#;

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..60_000).prop_map(|days| NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + Days::new(days))
}

proptest! {
    #[test]
    fn every_date_format_reads_back_the_same_day(date in any_date()) {
        let registry = Registry::load("sources.toml", SOURCES).unwrap();
        let mapping = registry.source("population").unwrap().http.clone().unwrap();
        let body = json!({
            "a": date.format("%Y%m%d").to_string(),
            "b": date.format("%Y/%m/%d").to_string(),
            "c": format!("{}年{}月{}日", date.year(), date.month(), date.day()),
            "d": date.to_string(),
        });
        let record = mapping.map_response(&body).unwrap().unwrap();
        for attribute in ["a", "b", "c", "d"] {
            prop_assert_eq!(&record[attribute], &date.to_string());
        }
    }

    #[test]
    fn full_years_agree_with_counting_birthdays(birth in any_date(), later in 0u64..40_000) {
        let today = birth + Days::new(later);
        // Count the birthdays passed, one year at a time (29 February counts on 1 March).
        let mut years = 0;
        loop {
            let next_year = birth.year() + years + 1;
            let birthday = NaiveDate::from_ymd_opt(next_year, birth.month(), birth.day())
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(next_year, 3, 1).unwrap());
            if birthday > today {
                break;
            }
            years += 1;
        }
        prop_assert_eq!(full_years(birth, today), i64::from(years));
    }

    #[test]
    fn any_seed_gives_valid_identifiers(seed in any::<u64>()) {
        let mut generator = Generator::new(seed);
        for record in generator.population(40) {
            prop_assert!(IdNumber::parse(&record.subject).is_ok(), "{}", record.subject);
        }
        for record in generator.enterprises(20) {
            prop_assert!(CreditCode::parse(&record.subject).is_ok(), "{}", record.subject);
            prop_assert!(IdNumber::parse(&record.attributes["legal_rep_id_number"]).is_ok());
        }
    }
}
