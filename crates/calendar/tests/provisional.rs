//! Provisional years: derived from the holiday regulation for years without a
//! notice, marked as such, and replaced when the notice is imported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calendar::{Calendar, CalendarError, YearBasis, rule};
use chrono::{Datelike, NaiveDate};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The rule checked against the official years it governs: every statutory day
/// it derives for 2025 and 2026 is a day off in the State Council's notice.
#[test]
fn derived_statutory_days_are_holidays_in_the_official_years() {
    let official = Calendar::official_only().unwrap();
    for year in [2025, 2026] {
        let mut days = 0;
        for holiday in rule::statutory_holidays(year).unwrap() {
            for day in holiday.first_day.iter_days().take_while(|d| *d <= holiday.last_day) {
                assert!(
                    !official.is_working_day(day).unwrap(),
                    "{year}: {day} ({})",
                    holiday.name
                );
                let inside = official
                    .holidays(year)
                    .unwrap()
                    .iter()
                    .any(|h| h.first_day <= day && day <= h.last_day);
                assert!(
                    inside,
                    "{year}: {day} ({}) is in no holiday of the notice",
                    holiday.name
                );
                days += 1;
            }
        }
        assert_eq!(days, 13, "{year}");
        // And the file passes the import check, statutory days included.
        let text = match year {
            2025 => include_str!("../../../calendar/2025.toml"),
            _ => include_str!("../../../calendar/2026.toml"),
        };
        // The import check needs a publication date; any day of the year before will do here.
        let dated = text.replacen(
            "\n[[holiday]]",
            &format!("\npublished = \"{}-11-04\"\n\n[[holiday]]", year - 1),
            1,
        );
        assert_eq!(Calendar::check_notice("official.toml", &dated).unwrap(), year);
    }
}

#[test]
fn years_after_the_last_notice_are_provisional_for_ten_years() {
    let c = Calendar::official().unwrap();
    assert_eq!(c.provisional_years(), (2027..=2036).collect::<Vec<_>>());
    assert_eq!(c.provisional_from(), Some(date(2027, 1, 1)));
    assert_eq!(c.basis(2027), Some(YearBasis::Provisional));
    assert!(matches!(c.basis(2026), Some(YearBasis::Official { .. })));
    // Years before the regulation took effect are never derived.
    assert_eq!(
        c.is_working_day(date(2023, 6, 1)).unwrap_err(),
        CalendarError::NoDataForYear { year: 2023 }
    );
    assert_eq!(
        c.is_working_day(date(2037, 1, 5)).unwrap_err(),
        CalendarError::NoDataForYear { year: 2037 }
    );
}

#[test]
fn a_provisional_year_has_statutory_days_and_weekends_off_and_no_make_up_days() {
    let c = Calendar::official().unwrap();
    // 春节 2027: 除夕 is Friday 5 February; 初一–初三 are Sat, Sun, Mon.
    for day in [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)] {
        assert!(!c.is_working_day(day).unwrap(), "{day}");
    }
    // No extension of the holiday is guessed: Tuesday 9 February is a working day.
    assert!(c.is_working_day(date(2027, 2, 9)).unwrap());
    // No 调休 guessed: every Saturday and Sunday of 2027 is off.
    let mut d = date(2027, 1, 1);
    while d.year() == 2027 {
        if d.weekday().number_from_monday() >= 6 {
            assert!(!c.is_working_day(d).unwrap(), "{d}");
        }
        d = d.succ_opt().unwrap();
    }
    // Statutory weekdays: 元旦 (Fri), 清明 (Mon 5 Apr), 劳动节 (Sat–Sun), 端午 (Wed 9 Jun),
    // 中秋 (Wed 15 Sep), 国庆 (Fri–Sun).
    for day in [
        date(2027, 1, 1),
        date(2027, 4, 5),
        date(2027, 6, 9),
        date(2027, 9, 15),
        date(2027, 10, 1),
    ] {
        assert!(!c.is_working_day(day).unwrap(), "{day}");
    }
    // 2027 has 261 weekdays; the statutory days on weekdays are 1 Jan, 5 and 8 Feb,
    // 5 Apr, 9 Jun, 15 Sep and 1 Oct: 254 working days.
    assert_eq!(
        c.working_days_between(date(2026, 12, 31), date(2027, 12, 31)).unwrap(),
        254
    );
}

#[test]
fn a_ten_day_limit_from_2026_12_20_lands_in_2027_and_is_provisional() {
    let c = Calendar::official().unwrap();
    // 21–25 and 28–31 December are 9 working days; 1 January is 元旦; Monday 4 January.
    let deadline = c.add_working_days(date(2026, 12, 20), 10).unwrap();
    assert_eq!(deadline, date(2027, 1, 4));
    assert!(c.is_provisional(deadline));
    // Counting inside 2026 is not provisional.
    let within = c.add_working_days(date(2026, 12, 1), 10).unwrap();
    assert_eq!(within, date(2026, 12, 15));
    assert!(!c.is_provisional(within));
    assert_eq!(c.version_of(within), "2026年官方安排（国办发明电〔2025〕7号）");
    assert_eq!(c.version_of(deadline), "2027年暂定日历（按放假办法推算，未含调休）");
}

/// The made-up 2027 notice the tests share (see `testkit::NOTICE_2027`).
use testkit::NOTICE_2027;

#[test]
fn importing_the_notice_replaces_the_provisional_year() {
    let before = Calendar::official().unwrap();
    let after = before.with_notice("2027.toml", NOTICE_2027).unwrap();
    assert_eq!(after.official_years(), vec![2024, 2025, 2026, 2027]);
    assert_eq!(after.provisional_years(), (2028..=2037).collect::<Vec<_>>());
    assert!(!after.is_provisional(date(2027, 3, 1)));
    assert_eq!(after.published(2027), Some(date(2026, 11, 20)));
    // The make-up Saturday is now a working day; the extended days are off.
    assert!(after.is_working_day(date(2027, 1, 30)).unwrap());
    assert!(!after.is_working_day(date(2027, 2, 10)).unwrap());
    // `before` is unchanged.
    assert!(before.is_provisional(date(2027, 3, 1)));

    // A deadline counted across 春节 moves: 10 working days from 2027-01-29.
    let start = date(2027, 1, 29);
    let provisional = before.add_working_days(start, 10).unwrap();
    // Provisional: Feb 1–4 (4), Feb 9–12 (8), Feb 15, 16 → 16 February.
    assert_eq!(provisional, date(2027, 2, 16));
    let moved = after.recount(&before, start, provisional).unwrap();
    // Official: Jan 30 (Sat, 调休) 1, Feb 1–4 (5), Feb 15–19 (10) → 19 February.
    assert_eq!(moved, date(2027, 2, 19));
    assert_eq!(moved, after.add_working_days(start, 10).unwrap());
    // A date inside official 2026 does not move.
    let official = before.add_working_days(date(2026, 12, 1), 10).unwrap();
    assert_eq!(after.recount(&before, date(2026, 12, 1), official).unwrap(), official);

    // A second import of the same year is refused, naming the notice loaded.
    let again = after.with_notice("2027-b.toml", NOTICE_2027).unwrap_err();
    assert_eq!(again.code(), "CALENDAR_YEAR_ALREADY_OFFICIAL");
    assert!(again.to_string().contains("2027年的官方节假日安排已经导入"), "{again}");
}

#[test]
fn an_import_without_its_publication_date_or_a_statutory_day_is_refused() {
    let c = Calendar::official().unwrap();
    let undated = NOTICE_2027.replace("published = \"2026-11-20\"\n", "");
    let err = c.with_notice("2027.toml", &undated).unwrap_err();
    assert_eq!(
        err,
        CalendarError::MissingPublished {
            file: "2027.toml".into()
        }
    );
    assert!(err.to_string().contains("缺少发布日期"));

    // 中秋 left out: the statutory day is named.
    let no_mid_autumn = NOTICE_2027.replace("[[holiday]]\nname = \"中秋节\"\noff = [\"2027-09-15\"]\n", "");
    let err = c.with_notice("2027.toml", &no_mid_autumn).unwrap_err();
    assert_eq!(
        err,
        CalendarError::StatutoryDayMissing {
            file: "2027.toml".into(),
            holiday: "中秋节".into(),
            date: date(2027, 9, 15),
        }
    );
    assert!(err.to_string().contains("2027-09-15（中秋节）是法定节假日"), "{err}");

    // A publication date two years early is a typo.
    let early = NOTICE_2027.replace("2026-11-20", "2025-11-20");
    assert_eq!(
        c.with_notice("2027.toml", &early).unwrap_err().code(),
        "CALENDAR_FILE_PUBLISHED_OUT_OF_RANGE"
    );
    // The usual checks still apply: a holiday that is also a make-up day.
    let overlap = NOTICE_2027.replace(
        "make_up = [\"2027-09-26\", \"2027-10-09\"]",
        "make_up = [\"2027-10-02\"]",
    );
    assert_eq!(
        c.with_notice("2027.toml", &overlap).unwrap_err().code(),
        "CALENDAR_FILE_OFF_AND_MAKE_UP"
    );
    // 2028 before 2027: provisional years must stay after the official ones.
    let next_year = r#"
year = 2028
source = "测试用：2028年（只含法定节假日）"
published = "2027-11-20"
[[holiday]]
name = "元旦"
off = ["2028-01-01"]
[[holiday]]
name = "春节"
off = ["2028-01-25", "2028-01-28"]
[[holiday]]
name = "清明节"
off = ["2028-04-04"]
[[holiday]]
name = "劳动节"
off = ["2028-05-01", "2028-05-02"]
[[holiday]]
name = "端午节"
off = ["2028-05-28"]
[[holiday]]
name = "国庆节、中秋节"
off = ["2028-10-01", "2028-10-03"]
"#;
    assert_eq!(Calendar::check_notice("2028.toml", next_year).unwrap(), 2028);
    let err = c.with_notice("2028.toml", next_year).unwrap_err();
    assert_eq!(
        err,
        CalendarError::EarlierYearMissing {
            year: 2028,
            missing: 2027
        }
    );
    assert_eq!(err.to_string(), "请先导入2027年的节假日安排，再导入2028年的");
    // Nothing of that changed the calendar.
    assert!(c.is_provisional(date(2027, 5, 1)));
}

/// The ten-year horizon counts from the last notice, or from the year before the
/// regulation when a deployment has no notice from 2025 on.
#[test]
fn the_horizon_counts_from_the_regulation_when_no_notice_is_recent() {
    // Only a notice from before the regulation: 2025 through 2034 are derived.
    let old = Calendar::from_year_files([("2024.toml", include_str!("../../../calendar/2024.toml"))])
        .unwrap()
        .with_provisional_years()
        .unwrap();
    assert_eq!(old.provisional_years(), (2025..=2034).collect::<Vec<_>>());
    assert!(old.is_working_day(date(2034, 12, 29)).is_ok());
    assert!(old.is_working_day(date(2035, 1, 2)).is_err());
    // No notice at all: the same years.
    let none = Calendar::new().with_provisional_years().unwrap();
    assert_eq!(none.provisional_years(), (2025..=2034).collect::<Vec<_>>());
    assert!(none.is_working_day(date(2035, 1, 2)).is_err());
}
