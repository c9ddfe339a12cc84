//! The statutory holidays of a year, derived from the holiday regulation in force.
//!
//! 《全国年节及纪念日放假办法》 as amended by the State Council in November 2024
//! (国务院令第798号, in force from 2025-01-01) gives everyone these days off:
//!
//! | holiday | days |
//! | --- | --- |
//! | 元旦 | 1 January |
//! | 春节 | 4 days: 除夕 (the last day of the twelfth lunar month) through 正月初三 |
//! | 清明节 | the day of the Qingming solar term |
//! | 劳动节 | 1 and 2 May |
//! | 端午节 | the fifth day of the fifth lunar month |
//! | 中秋节 | the fifteenth day of the eighth lunar month |
//! | 国庆节 | 1 to 3 October |
//!
//! Lunar dates and solar terms come from the `tyme4rs` crate, which computes new
//! moons and solar longitudes astronomically (the 寿星 algorithms) rather than
//! reading a table that ends in some year; its results for 2024–2036 were checked
//! against the official notices and the published lunar new-year dates (tests).
//!
//! What the regulation does not fix, the annual notice decides: which weekend days
//! become working days (调休) and how a holiday is stretched over a weekend. A year
//! derived here has only the statutory days and the weekends off, and guesses no
//! 调休: its working days are marked provisional until the notice is loaded.

use chrono::{Datelike, Days, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

use crate::{CalendarError, Holiday};

/// The first year the amended regulation governs.
pub const RULE_FIRST_YEAR: i32 = 2025;

/// The regulation provisional years are derived from, as people should read it.
pub const RULE_NAME: &str = "《全国年节及纪念日放假办法》（2024年11月修订，2025年1月1日起施行）";

/// The statutory days off of `year` under the regulation, one [`Holiday`] per
/// festival (first and last statutory day, no make-up days), in calendar order.
pub fn statutory_holidays(year: i32) -> Result<Vec<Holiday>, CalendarError> {
    let lunar = |month: isize, day: usize| -> Result<NaiveDate, CalendarError> {
        let solar = LunarDay::new(year as isize, month, day)
            .map_err(|message| CalendarError::LunarUnavailable { year, message })?
            .get_solar_day();
        to_date(year, &solar)
    };
    let day = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).ok_or(CalendarError::DateOutOfRange);

    let new_year = lunar(1, 1)?;
    let eve = new_year
        .checked_sub_days(Days::new(1))
        .ok_or(CalendarError::DateOutOfRange)?;
    let spring_end = new_year
        .checked_add_days(Days::new(2))
        .ok_or(CalendarError::DateOutOfRange)?;
    let qingming = SolarTerm::new(year as isize, "清明")
        .map_err(|message| CalendarError::LunarUnavailable { year, message })?
        .get_solar_day();
    let qingming = to_date(year, &qingming)?;
    let dragon_boat = lunar(5, 5)?;
    let mid_autumn = lunar(8, 15)?;

    let holiday = |name: &str, first_day: NaiveDate, last_day: NaiveDate| Holiday {
        name: name.to_owned(),
        first_day,
        last_day,
        make_up: Vec::new(),
    };
    let mut holidays = vec![
        holiday("元旦", day(1, 1)?, day(1, 1)?),
        holiday("春节", eve, spring_end),
        holiday("清明节", qingming, qingming),
        holiday("劳动节", day(5, 1)?, day(5, 2)?),
        holiday("端午节", dragon_boat, dragon_boat),
        holiday("中秋节", mid_autumn, mid_autumn),
        holiday("国庆节", day(10, 1)?, day(10, 3)?),
    ];
    holidays.sort_by_key(|h| h.first_day);
    // Every derived day must lie in the year (the lunar new year is never before
    // 21 January, so 除夕 is never in December).
    if holidays
        .iter()
        .any(|h| h.first_day.year() != year || h.last_day.year() != year)
    {
        return Err(CalendarError::LunarUnavailable {
            year,
            message: "derived holiday outside the year".into(),
        });
    }
    Ok(holidays)
}

fn to_date(year: i32, solar: &SolarDay) -> Result<NaiveDate, CalendarError> {
    let y = i32::try_from(solar.get_year()).map_err(|_| CalendarError::DateOutOfRange)?;
    let m = u32::try_from(solar.get_month()).map_err(|_| CalendarError::DateOutOfRange)?;
    let d = u32::try_from(solar.get_day()).map_err(|_| CalendarError::DateOutOfRange)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or(CalendarError::LunarUnavailable {
        year,
        message: format!("{y}-{m}-{d} is not a date"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn find(holidays: &[Holiday], name: &str) -> (NaiveDate, NaiveDate) {
        let h = holidays.iter().find(|h| h.name == name).unwrap();
        (h.first_day, h.last_day)
    }

    /// Lunar new year, Qingming, Duanwu and Mid-Autumn as published (the official
    /// notices for 2025–2026; the lunar calendar for later years), independent of
    /// the crate that computes them.
    #[test]
    fn derived_festival_dates_match_published_ones() {
        let expected = [
            // year, 除夕, 清明, 端午, 中秋
            (
                2025,
                date(2025, 1, 28),
                date(2025, 4, 4),
                date(2025, 5, 31),
                date(2025, 10, 6),
            ),
            (
                2026,
                date(2026, 2, 16),
                date(2026, 4, 5),
                date(2026, 6, 19),
                date(2026, 9, 25),
            ),
            (
                2027,
                date(2027, 2, 5),
                date(2027, 4, 5),
                date(2027, 6, 9),
                date(2027, 9, 15),
            ),
            (
                2028,
                date(2028, 1, 25),
                date(2028, 4, 4),
                date(2028, 5, 28),
                date(2028, 10, 3),
            ),
            (
                2033,
                date(2033, 1, 30),
                date(2033, 4, 4),
                date(2033, 6, 1),
                date(2033, 9, 8),
            ),
        ];
        for (year, eve, qingming, duanwu, zhongqiu) in expected {
            let holidays = statutory_holidays(year).unwrap();
            assert_eq!(find(&holidays, "春节"), (eve, eve + Days::new(3)), "{year} 春节");
            assert_eq!(find(&holidays, "清明节"), (qingming, qingming), "{year} 清明");
            assert_eq!(find(&holidays, "端午节"), (duanwu, duanwu), "{year} 端午");
            assert_eq!(find(&holidays, "中秋节"), (zhongqiu, zhongqiu), "{year} 中秋");
            assert_eq!(find(&holidays, "元旦"), (date(year, 1, 1), date(year, 1, 1)));
            assert_eq!(find(&holidays, "劳动节"), (date(year, 5, 1), date(year, 5, 2)));
            assert_eq!(find(&holidays, "国庆节"), (date(year, 10, 1), date(year, 10, 3)));
        }
    }

    #[test]
    fn thirteen_statutory_days_a_year() {
        for year in RULE_FIRST_YEAR..RULE_FIRST_YEAR + 30 {
            let days: u64 = statutory_holidays(year)
                .unwrap()
                .iter()
                .map(|h| (h.last_day - h.first_day).num_days() as u64 + 1)
                .sum();
            assert_eq!(days, 13, "{year}");
        }
    }
}
