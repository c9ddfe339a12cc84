#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calendar::{Calendar, CalendarError};
use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn official() -> Calendar {
    Calendar::official().unwrap()
}

fn working(calendar: &Calendar, y: i32, m: u32, d: u32) -> bool {
    calendar.is_working_day(date(y, m, d)).unwrap()
}

// ------------------------------------------------------------ bundled data

#[test]
fn official_calendar_has_2024_to_2026_with_sources() {
    let calendar = official();
    assert_eq!(calendar.official_years(), vec![2024, 2025, 2026]);
    assert_eq!(calendar.last_official_year(), Some(2026));
    assert_eq!(
        calendar.source(2026),
        Some("国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）")
    );
    assert_eq!(
        calendar.source_url(2026),
        Some("https://www.gov.cn/zhengce/content/202511/content_7047091.htm")
    );
    assert_eq!(
        calendar.source(2025),
        Some("国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）")
    );
    assert_eq!(
        calendar.source(2024),
        Some("国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）")
    );
    assert!(calendar.source_url(2025).unwrap().contains("content_6986382"));
    assert!(calendar.source_url(2024).unwrap().contains("content_6911527"));
    assert!(calendar.source(2027).unwrap().starts_with("2027年节假日安排尚未公布"));
    assert_eq!(calendar.file_label(2026), Some("2026.toml"));
    assert!(calendar.covers(date(2026, 12, 31)));
    assert!(!calendar.is_provisional(date(2026, 12, 31)));
    assert!(calendar.is_provisional(date(2027, 1, 1)));
    assert!(!Calendar::official_only().unwrap().covers(date(2027, 1, 1)));

    let names: Vec<&str> = calendar
        .holidays(2026)
        .unwrap()
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    );
    let spring = &calendar.holidays(2026).unwrap()[1];
    assert_eq!(spring.first_day, date(2026, 2, 15));
    assert_eq!(spring.last_day, date(2026, 2, 23));
    assert_eq!(spring.make_up, vec![date(2026, 2, 14), date(2026, 2, 28)]);
}

#[test]
fn spring_festival_2026() {
    let c = official();
    assert!(working(&c, 2026, 2, 13)); // Friday
    assert!(working(&c, 2026, 2, 14)); // Saturday, make-up working day
    for day in 15..=23 {
        assert!(!working(&c, 2026, 2, day), "2026-02-{day} is a day off");
    }
    assert!(working(&c, 2026, 2, 24)); // Tuesday, back to work
    assert!(working(&c, 2026, 2, 28)); // Saturday, make-up working day
    assert!(!working(&c, 2026, 3, 1)); // ordinary Sunday
    assert!(!working(&c, 2026, 2, 21)); // Saturday inside the holiday
}

#[test]
fn add_working_days_across_spring_festival_2026() {
    let c = official();
    // Feb 13 (Fri) = 1, Feb 14 (Sat, make-up) = 2, Feb 15–23 off,
    // Feb 24 = 3, Feb 25 = 4, Feb 26 = 5.
    assert_eq!(c.add_working_days(date(2026, 2, 12), 5).unwrap(), date(2026, 2, 26));
    assert_eq!(c.add_working_days(date(2026, 2, 12), 1).unwrap(), date(2026, 2, 13));
    assert_eq!(c.add_working_days(date(2026, 2, 12), 2).unwrap(), date(2026, 2, 14));
    assert_eq!(c.add_working_days(date(2026, 2, 12), 3).unwrap(), date(2026, 2, 24));
    assert_eq!(c.working_days_between(date(2026, 2, 12), date(2026, 2, 26)).unwrap(), 5);
    // Starting on a holiday: the holiday itself is not counted either.
    assert_eq!(c.add_working_days(date(2026, 2, 15), 1).unwrap(), date(2026, 2, 24));
}

#[test]
fn zero_working_days_returns_start() {
    let c = official();
    for d in [date(2026, 2, 15), date(2026, 2, 16), date(2025, 7, 1)] {
        assert_eq!(c.add_working_days(d, 0).unwrap(), d);
        assert_eq!(c.working_days_between(d, d).unwrap(), 0);
    }
    assert_eq!(c.working_days_between(date(2026, 3, 10), date(2026, 3, 1)).unwrap(), 0);
}

#[test]
fn national_day_2026() {
    let c = official();
    assert!(!working(&c, 2026, 9, 19)); // Saturday
    assert!(working(&c, 2026, 9, 20)); // Sunday, make-up working day
    assert!(!working(&c, 2026, 9, 25)); // 中秋 (Friday)
    assert!(!working(&c, 2026, 9, 27)); // 中秋 (Sunday)
    assert!(working(&c, 2026, 9, 30)); // Wednesday
    for day in 1..=7 {
        assert!(!working(&c, 2026, 10, day), "2026-10-0{day} is a day off");
    }
    assert!(working(&c, 2026, 10, 8)); // Thursday
    assert!(working(&c, 2026, 10, 9)); // Friday
    assert!(working(&c, 2026, 10, 10)); // Saturday, make-up working day
    assert!(!working(&c, 2026, 10, 11)); // Sunday
    // 2026-09-30 + 1 working day skips the whole week off.
    assert_eq!(c.add_working_days(date(2026, 9, 30), 1).unwrap(), date(2026, 10, 8));
    // Working days Oct 8, 9, 10 (Sat), 12.
    assert_eq!(c.add_working_days(date(2026, 9, 30), 4).unwrap(), date(2026, 10, 12));
    assert_eq!(
        c.working_days_between(date(2026, 9, 30), date(2026, 10, 11)).unwrap(),
        3
    );
}

#[test]
fn other_years_spot_checks() {
    let c = official();
    // 2025: Jan 26 (Sun) and Feb 8 (Sat) are make-up days; Jan 28–Feb 4 off.
    assert!(working(&c, 2025, 1, 26));
    assert!(!working(&c, 2025, 1, 28));
    assert!(!working(&c, 2025, 2, 4));
    assert!(working(&c, 2025, 2, 8));
    // 2025 National Day + Mid-Autumn: Oct 1–8 off, Sep 28 & Oct 11 work.
    assert!(working(&c, 2025, 9, 28));
    assert!(!working(&c, 2025, 10, 8));
    assert!(working(&c, 2025, 10, 11));
    // 2024: Feb 18 (Sun) make-up right after the Spring Festival.
    assert!(!working(&c, 2024, 2, 17));
    assert!(working(&c, 2024, 2, 18));
    assert!(working(&c, 2024, 4, 7));
    assert!(!working(&c, 2024, 6, 10));
    assert!(working(&c, 2024, 9, 14));
    // Ordinary days.
    assert!(working(&c, 2024, 3, 13)); // Wednesday
    assert!(!working(&c, 2024, 3, 16)); // Saturday
}

#[test]
fn counting_across_the_2025_2026_boundary() {
    let c = official();
    // 2025-12-31 is a Wednesday; 2026-01-01..03 off, 2026-01-04 (Sun) works.
    assert!(working(&c, 2025, 12, 31));
    assert_eq!(c.add_working_days(date(2025, 12, 30), 1).unwrap(), date(2025, 12, 31));
    assert_eq!(c.add_working_days(date(2025, 12, 30), 2).unwrap(), date(2026, 1, 4));
    assert_eq!(c.add_working_days(date(2025, 12, 30), 3).unwrap(), date(2026, 1, 5));
    assert_eq!(c.working_days_between(date(2025, 12, 30), date(2026, 1, 5)).unwrap(), 3);
    // A whole year and a bit: every working day of 2025 plus Jan 4–5, 2026.
    assert_eq!(
        c.working_days_between(date(2024, 12, 31), date(2026, 1, 5)).unwrap(),
        248 + 2
    );
    // Start on Dec 31 of a year without data needs no data for that year.
    assert_eq!(c.working_days_between(date(2023, 12, 31), date(2024, 1, 2)).unwrap(), 1);
    assert_eq!(c.add_working_days(date(2023, 12, 31), 1).unwrap(), date(2024, 1, 2));
}

#[test]
fn dates_without_data_are_errors_never_guesses() {
    // Without provisional years, the end of the official data is the end.
    let c = Calendar::official_only().unwrap();
    let err = c.is_working_day(date(2027, 1, 4)).unwrap_err();
    assert_eq!(err, CalendarError::NoDataForYear { year: 2027 });
    assert_eq!(err.code(), "CALENDAR_NO_DATA_FOR_YEAR");
    assert_eq!(err.to_string(), "缺少2027年的节假日安排数据，无法计算工作日");
    assert_eq!(
        c.is_working_day(date(2023, 6, 1)).unwrap_err(),
        CalendarError::NoDataForYear { year: 2023 }
    );
    // Running off the end of the data while counting.
    assert_eq!(
        c.add_working_days(date(2026, 12, 20), 30).unwrap_err(),
        CalendarError::NoDataForYear { year: 2027 }
    );
    assert_eq!(
        c.working_days_between(date(2026, 12, 20), date(2027, 1, 10))
            .unwrap_err(),
        CalendarError::NoDataForYear { year: 2027 }
    );
    // The last working days of 2026 are still reachable.
    assert_eq!(c.add_working_days(date(2026, 12, 28), 3).unwrap(), date(2026, 12, 31));
    assert!(c.add_working_days(date(2026, 12, 28), 4).is_err());
    // An empty calendar knows nothing.
    assert_eq!(
        Calendar::new().is_working_day(date(2026, 1, 5)).unwrap_err(),
        CalendarError::NoDataForYear { year: 2026 }
    );
    // A gap year in the middle is an error too.
    let gap = Calendar::from_year_files([
        ("2024.toml", include_str!("../../../calendar/2024.toml")),
        ("2026.toml", include_str!("../../../calendar/2026.toml")),
    ])
    .unwrap();
    assert_eq!(
        gap.working_days_between(date(2024, 12, 1), date(2026, 1, 10))
            .unwrap_err(),
        CalendarError::NoDataForYear { year: 2025 }
    );
    assert_eq!(
        gap.add_working_days(date(2024, 12, 30), 5).unwrap_err(),
        CalendarError::NoDataForYear { year: 2025 }
    );
}

#[test]
fn extreme_dates_do_not_panic() {
    let c = official();
    assert_eq!(
        c.add_working_days(NaiveDate::MAX, 1).unwrap_err(),
        CalendarError::DateOutOfRange
    );
    assert_eq!(
        c.is_working_day(NaiveDate::MIN).unwrap_err(),
        CalendarError::NoDataForYear {
            year: NaiveDate::MIN.year()
        }
    );
    assert_eq!(
        c.working_days_between(NaiveDate::MIN, NaiveDate::MAX).unwrap_err(),
        CalendarError::NoDataForYear {
            year: NaiveDate::MIN.year()
        }
    );
}

/// Every day from 2024-01-01 to 2026-12-25 agrees with the independent
/// `chinese_holiday` crate (which only covers dates up to 2026-12-25).
#[test]
fn cross_check_against_chinese_holiday_crate() {
    let c = official();
    let mut d = date(2024, 1, 1);
    let last = date(2026, 12, 25);
    let mut checked = 0;
    while d <= last {
        let theirs = chinese_holiday::chinese_holiday(chinese_holiday::Ymd::new(
            d.year() as u16,
            d.month() as u8,
            d.day() as u8,
        ))
        .is_workday();
        assert_eq!(c.is_working_day(d).unwrap(), theirs, "disagreement on {d}");
        d = d.succ_opt().unwrap();
        checked += 1;
    }
    assert_eq!(checked, 366 + 365 + 359);
}

// ------------------------------------------------------- adding year files

const GOOD_2027: &str = r#"
year = 2027
source = "测试用通知"

[[holiday]]
name = "元旦"
off = ["2027-01-01", "2027-01-03"]
"#;

#[test]
fn operator_can_add_a_year() {
    let mut c = official();
    c.add_year_file("2027.toml", GOOD_2027).unwrap();
    assert_eq!(c.official_years(), vec![2024, 2025, 2026, 2027]);
    assert!(!c.is_provisional(date(2027, 6, 1)));
    assert_eq!(c.source(2027), Some("测试用通知"));
    assert_eq!(c.source_url(2027), None);
    // 2027-01-01 is a Friday and now a day off; 2027-01-04 is a Monday.
    assert!(!c.is_working_day(date(2027, 1, 1)).unwrap());
    assert!(c.is_working_day(date(2027, 1, 4)).unwrap());
    // The count that failed before now crosses into 2027:
    // 2026-12-29, 30, 31, then 2027-01-04.
    assert_eq!(c.add_working_days(date(2026, 12, 28), 4).unwrap(), date(2027, 1, 4));
}

#[test]
fn files_may_be_added_in_any_order() {
    let c = Calendar::from_year_files(vec![
        (
            "2026.toml".to_string(),
            include_str!("../../../calendar/2026.toml").to_string(),
        ),
        (
            "2024.toml".to_string(),
            include_str!("../../../calendar/2024.toml").to_string(),
        ),
    ])
    .unwrap();
    assert_eq!(c.years(), vec![2024, 2026]);
}

#[test]
fn duplicate_year_names_both_files() {
    let mut c = official();
    let copy = include_str!("../../../calendar/2026.toml");
    let err = c.add_year_file("2026-copy.toml", copy).unwrap_err();
    assert_eq!(
        err,
        CalendarError::DuplicateYear {
            year: 2026,
            first: "2026.toml".into(),
            second: "2026-copy.toml".into(),
        }
    );
    let message = err.to_string();
    assert!(message.contains("2026.toml"), "{message}");
    assert!(message.contains("2026-copy.toml"), "{message}");
    assert_eq!(err.code(), "CALENDAR_DUPLICATE_YEAR");
    // The calendar is unchanged.
    assert_eq!(c.official_years(), vec![2024, 2025, 2026]);
    assert_eq!(c.file_label(2026), Some("2026.toml"));

    let err = Calendar::from_year_files([("a.toml", GOOD_2027), ("b.toml", GOOD_2027)]).unwrap_err();
    assert!(err.to_string().contains("a.toml和b.toml"), "{err}");
}

/// Loads a single broken file and returns the error.
fn broken(text: &str) -> CalendarError {
    Calendar::from_year_files([("broken.toml", text)]).unwrap_err()
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let err = broken("year = 2027\nsource = \"x\"\n\n[[holiday]]\nname = \"元旦\noff = []\n");
    match &err {
        CalendarError::Syntax { file, line, .. } => {
            assert_eq!(file, "broken.toml");
            assert_eq!(*line, 5);
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(err.code(), "CALENDAR_FILE_SYNTAX");
    assert_eq!(err.file(), Some("broken.toml"));
    assert!(
        err.to_string().starts_with("节假日数据文件broken.toml第5行格式错误："),
        "{err}"
    );
}

#[test]
fn missing_and_unknown_keys_are_reported() {
    let err = broken("year = 2027\n");
    assert_eq!(err.code(), "CALENDAR_FILE_SYNTAX");
    assert!(err.to_string().contains("缺少字段“source”"), "{err}");

    let err = broken(
        "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2027-01-01\"]\nmakeup = [\"2027-01-02\"]\n",
    );
    assert!(err.to_string().contains("未知字段“makeup”"), "{err}");
    assert!(err.to_string().contains("第6行"), "{err}");

    let err = broken("year = 2027\nsource = \"  \"\n");
    assert_eq!(
        err,
        CalendarError::MissingSource {
            file: "broken.toml".into()
        }
    );
}

#[test]
fn invalid_year_is_reported() {
    let err = broken("source = \"x\"\nyear = 227\n");
    assert_eq!(
        err,
        CalendarError::InvalidYear {
            file: "broken.toml".into(),
            line: 2,
            year: 227
        }
    );
}

#[test]
fn malformed_date_is_reported() {
    let err = broken("year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"春节\"\noff = [\"2027-02-30\"]\n");
    assert_eq!(
        err,
        CalendarError::InvalidDate {
            file: "broken.toml".into(),
            line: 5,
            value: "2027-02-30".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "节假日数据文件broken.toml第5行：“2027-02-30”不是有效的日期，应为YYYY-MM-DD格式"
    );
    let err = broken("year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"春节\"\noff = [\"2027-2-6\"]\n");
    assert_eq!(err.code(), "CALENDAR_FILE_INVALID_DATE");
    // Hyphens and digits in the right places but a day without its zero: refused,
    // though a lenient parser would read it as 2027-02-06.
    let err = broken("year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"春节\"\noff = [\"2027-02-6\"]\n");
    assert_eq!(err.code(), "CALENDAR_FILE_INVALID_DATE", "{err}");
}

#[test]
fn the_version_of_a_date_names_the_notice_when_it_can() {
    let calendar = official();
    assert_eq!(
        calendar.version_of(date(2026, 5, 6)),
        "2026年官方安排（国办发明电〔2025〕7号）"
    );
    // A source whose brackets are the wrong way round is named without them.
    let odd = Calendar::from_year_files([("2027.toml", "year = 2027\nsource = \"通知）草案（\"\n")]).unwrap();
    assert_eq!(odd.version_of(date(2027, 3, 1)), "2027年官方安排");
    assert_eq!(odd.version_of(date(2030, 3, 1)), "2030年无数据");
}

#[test]
fn date_outside_the_file_year_is_reported() {
    let err = broken(
        "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2027-01-01\"]\nmake_up = [\"2026-12-26\"]\n",
    );
    assert_eq!(
        err,
        CalendarError::DateOutsideYear {
            file: "broken.toml".into(),
            line: 6,
            date: date(2026, 12, 26),
            year: 2027
        }
    );
    assert_eq!(
        err.to_string(),
        "节假日数据文件broken.toml第6行：日期2026-12-26不在该文件的年份2027年内"
    );
    let err = broken("year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2028-01-01\"]\n");
    assert_eq!(err.code(), "CALENDAR_FILE_DATE_OUTSIDE_YEAR");
}

#[test]
fn reversed_off_range_is_reported() {
    let err =
        broken("year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"国庆节\"\noff = [\"2027-10-07\", \"2027-10-01\"]\n");
    assert_eq!(
        err,
        CalendarError::RangeReversed {
            file: "broken.toml".into(),
            line: 5,
            holiday: "国庆节".into(),
            start: date(2027, 10, 7),
            end: date(2027, 10, 1)
        }
    );
    assert_eq!(
        err.to_string(),
        "节假日数据文件broken.toml第5行：国庆节的放假结束日期2027-10-01早于开始日期2027-10-07"
    );
}

#[test]
fn off_with_wrong_number_of_dates_is_reported() {
    for (off, count) in [("[]", 0), ("[\"2027-10-01\", \"2027-10-02\", \"2027-10-03\"]", 3)] {
        let err = broken(&format!(
            "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"国庆节\"\noff = {off}\n"
        ));
        assert_eq!(
            err,
            CalendarError::RangeShape {
                file: "broken.toml".into(),
                line: 5,
                holiday: "国庆节".into(),
                count
            }
        );
    }
}

#[test]
fn make_up_on_a_weekday_is_reported() {
    // 2027-01-06 is a Wednesday.
    let err = broken(
        "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2027-01-01\"]\nmake_up = [\"2027-01-06\"]\n",
    );
    assert_eq!(
        err,
        CalendarError::MakeUpNotWeekend {
            file: "broken.toml".into(),
            line: 6,
            holiday: "元旦".into(),
            date: date(2027, 1, 6),
            weekday: "周三"
        }
    );
    assert_eq!(
        err.to_string(),
        "节假日数据文件broken.toml第6行：元旦的调休上班日2027-01-06是周三，调休上班日只能是周六或周日"
    );
}

#[test]
fn day_both_off_and_make_up_is_reported() {
    // 2027-01-02 is a Saturday inside the off range; also check it is found
    // when the off range belongs to a different holiday entry.
    let err = broken(
        "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2027-01-01\", \"2027-01-03\"]\nmake_up = [\"2027-01-02\"]\n",
    );
    assert_eq!(
        err,
        CalendarError::OffAndMakeUp {
            file: "broken.toml".into(),
            line: 6,
            date: date(2027, 1, 2)
        }
    );
    assert_eq!(
        err.to_string(),
        "节假日数据文件broken.toml第6行：2027-01-02既在放假日期内，又被列为调休上班日"
    );
    let err = broken(
        "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"A\"\nmake_up = [\"2027-01-02\"]\noff = [\"2027-03-01\"]\n[[holiday]]\nname = \"B\"\noff = [\"2027-01-01\", \"2027-01-03\"]\n",
    );
    assert_eq!(err.code(), "CALENDAR_FILE_OFF_AND_MAKE_UP");
}

#[test]
fn a_broken_file_among_good_ones_is_named() {
    let err = Calendar::from_year_files([
        ("2024.toml", include_str!("../../../calendar/2024.toml")),
        (
            "2027.toml",
            "year = 2027\nsource = \"x\"\n[[holiday]]\nname = \"元旦\"\noff = [\"2027-01-01\"]\nmake_up = [\"2027-01-05\"]\n",
        ),
    ])
    .unwrap_err();
    assert_eq!(err.file(), Some("2027.toml"));
    assert!(err.to_string().contains("2027.toml"));
}

// ---------------------------------------------------------- property tests

fn date_in_data() -> impl Strategy<Value = NaiveDate> {
    let first = date(2024, 1, 1);
    let span = (date(2026, 12, 31) - first).num_days();
    (0..=span).prop_map(move |offset| first + Duration::days(offset))
}

proptest! {
    #[test]
    fn between_inverts_add(start in date_in_data(), n in 0u32..=40) {
        let c = official();
        match c.add_working_days(start, n) {
            Ok(end) => {
                prop_assert!(end >= start);
                prop_assert_eq!(c.working_days_between(start, end).unwrap(), n);
            }
            Err(err) => {
                // Only possible when the n-th working day is after 2026.
                prop_assert_eq!(err, CalendarError::NoDataForYear { year: 2027 });
                prop_assert!(start >= date(2026, 11, 1));
            }
        }
    }

    #[test]
    fn add_lands_on_a_working_day(start in date_in_data(), n in 1u32..=40) {
        let c = official();
        if let Ok(end) = c.add_working_days(start, n) {
            prop_assert!(end > start);
            prop_assert!(c.is_working_day(end).unwrap());
            // It is the first date at which the count reaches n.
            let before = end.pred_opt().unwrap();
            prop_assert_eq!(c.working_days_between(start, before).unwrap(), n - 1);
        }
    }

    #[test]
    fn between_matches_day_by_day_count(start in date_in_data(), len in 0i64..=120) {
        let c = official();
        let end = start + Duration::days(len);
        prop_assume!(end.year() <= 2026);
        let mut expected = 0;
        let mut d = start;
        while d < end {
            d = d.succ_opt().unwrap();
            if c.is_working_day(d).unwrap() {
                expected += 1;
            }
        }
        prop_assert_eq!(c.working_days_between(start, end).unwrap(), expected);
        prop_assert_eq!(c.working_days_between(end, start).unwrap(), 0);
    }

    #[test]
    fn add_is_monotonic(start in date_in_data(), n in 0u32..=39) {
        let c = official();
        if let (Ok(a), Ok(b)) = (c.add_working_days(start, n), c.add_working_days(start, n + 1)) {
            prop_assert!(a < b);
        }
    }
}
