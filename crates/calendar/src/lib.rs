#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Working days under the official Chinese public-holiday calendar.
//!
//! Statutory time limits for government services (办理时限) are counted in
//! working days (工作日). Which days are working days depends on the annual
//! State Council notice on public holidays (国务院办公厅关于XXXX年部分节假日安排的通知):
//! holidays move days off onto weekdays and turn some weekend days into
//! working days (调休).
//!
//! The data lives in one TOML file per year (see `calendar/README.md` in the
//! repository); [`Calendar::official`] embeds the bundled files. A date in a
//! year without data is an error ([`CalendarError::NoDataForYear`]) — the
//! crate never guesses from Monday–Friday alone.
//!
//! Years after the last official one are *provisional*
//! ([`Calendar::with_provisional_years`]): their statutory holidays are derived
//! from the holiday regulation in force ([`rule`]), weekends are off and no 调休 is
//! guessed. A date that falls in a provisional year is a provisional answer
//! ([`Calendar::is_provisional`]): shown as 预计 and recomputed when the notice
//! arrives. Because provisional years always follow the official ones, a date
//! computed from a start date in an official year is provisional exactly when it
//! lands in a provisional year.
//!
//! Counting convention: the day a time limit starts is not counted; counting
//! begins with the next day (期间开始的当日不计入). So
//! [`Calendar::add_working_days`]`(start, n)` is the n-th working day strictly
//! after `start`, and [`Calendar::working_days_between`]`(start, end)` counts
//! working days `d` with `start < d <= end`.
//!
//! Lookups are O(1) per year touched: each loaded year keeps a prefix count of
//! working days by day of year.
//!
//! ```
//! use calendar::Calendar;
//! use chrono::NaiveDate;
//!
//! let calendar = Calendar::official()?;
//! let applied = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap_or_default();
//! // Feb 13 (Fri), Feb 14 (Sat, 调休上班), then Feb 24, 25, 26.
//! let deadline = calendar.add_working_days(applied, 5)?;
//! assert_eq!(deadline.to_string(), "2026-02-26");
//! assert_eq!(calendar.working_days_between(applied, deadline)?, 5);
//! # Ok::<(), calendar::CalendarError>(())
//! ```

mod error;
pub mod rule;
mod year_file;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};

pub use error::CalendarError;

/// The bundled official data files, oldest first: (label, TOML text).
const OFFICIAL_FILES: [(&str, &str); 3] = [
    ("2024.toml", include_str!("../../../calendar/2024.toml")),
    ("2025.toml", include_str!("../../../calendar/2025.toml")),
    ("2026.toml", include_str!("../../../calendar/2026.toml")),
];

/// One holiday of a year's arrangement, as loaded from a data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holiday {
    /// Name as written in the notice, e.g. "春节".
    pub name: String,
    /// First day off (inclusive).
    pub first_day: NaiveDate,
    /// Last day off (inclusive).
    pub last_day: NaiveDate,
    /// Weekend days that become working days for this holiday (调休上班日).
    pub make_up: Vec<NaiveDate>,
}

/// How many years past the last official one are derived provisionally.
pub const PROVISIONAL_HORIZON_YEARS: i32 = 10;

/// Where a year's working days come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum YearBasis {
    /// The State Council's notice, loaded from a year file.
    Official {
        /// The file it was loaded from.
        label: String,
        /// The notice's title and number.
        source: String,
        /// When the notice was published, if the file says.
        published: Option<NaiveDate>,
    },
    /// Derived from the holiday regulation: statutory days and weekends off, no 调休.
    Provisional,
}

/// Maximum number of days in a year, plus one for the prefix-count sentinel.
const PREFIX_LEN: usize = 367;

/// One loaded year.
#[derive(Clone, Debug)]
struct Year {
    label: String,
    source: String,
    source_url: Option<String>,
    published: Option<NaiveDate>,
    /// Derived from the regulation, not loaded from an official notice.
    provisional: bool,
    holidays: Vec<Holiday>,
    /// Number of days in the year (365 or 366).
    days: usize,
    /// `working_before[i]` = number of working days among the first `i` days
    /// of the year (day-of-year index `0..i`). Day `i` (0-based) is a working
    /// day iff `working_before[i + 1] > working_before[i]`.
    working_before: [u16; PREFIX_LEN],
}

impl Year {
    fn build(label: &str, file: year_file::YearFile) -> Result<Self, CalendarError> {
        let first = NaiveDate::from_ymd_opt(file.year, 1, 1).ok_or(CalendarError::DateOutOfRange)?;
        let days = if NaiveDate::from_ymd_opt(file.year, 2, 29).is_some() {
            366
        } else {
            365
        };
        let mut working = [false; PREFIX_LEN - 1];
        for (slot, date) in working.iter_mut().zip(first.iter_days()).take(days) {
            *slot = !matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        }
        for holiday in &file.holidays {
            for date in holiday.first_day.iter_days().take_while(|d| *d <= holiday.last_day) {
                if let Some(slot) = working.get_mut(date.ordinal0() as usize) {
                    *slot = false;
                }
            }
        }
        for holiday in &file.holidays {
            for date in &holiday.make_up {
                if let Some(slot) = working.get_mut(date.ordinal0() as usize) {
                    *slot = true;
                }
            }
        }
        let mut working_before = [0u16; PREFIX_LEN];
        let mut count = 0u16;
        for (i, &is_working) in working.iter().enumerate().take(days) {
            if is_working {
                count += 1;
            }
            if let Some(slot) = working_before.get_mut(i + 1) {
                *slot = count;
            }
        }
        Ok(Self {
            label: label.to_owned(),
            source: file.source,
            source_url: file.source_url,
            published: file.published,
            provisional: false,
            holidays: file.holidays,
            days,
            working_before,
        })
    }

    /// Working days among day-of-year indices `from..to` (0-based, `to <= days`).
    fn count(&self, from: usize, to: usize) -> u32 {
        u32::from(self.working_before[to]) - u32::from(self.working_before[from])
    }

    fn total(&self) -> u32 {
        self.count(0, self.days)
    }
}

/// A set of years of official holiday arrangements, answering working-day
/// questions for dates inside those years.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
    /// Whether years after the official ones are derived from the regulation.
    derive_provisional: bool,
}

impl Calendar {
    /// An empty calendar: every question is [`CalendarError::NoDataForYear`]
    /// until year files are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// The official calendar bundled with this crate (currently 2024–2026), with
    /// provisional years after it ([`Calendar::with_provisional_years`]).
    ///
    /// The bundled files are covered by tests, so this only fails if they are
    /// edited into an invalid state.
    pub fn official() -> Result<Self, CalendarError> {
        Self::official_only()?.with_provisional_years()
    }

    /// The bundled official files alone: every date after them is
    /// [`CalendarError::NoDataForYear`].
    pub fn official_only() -> Result<Self, CalendarError> {
        Self::from_year_files(OFFICIAL_FILES)
    }

    /// Adds a provisional year for every year from [`rule::RULE_FIRST_YEAR`] through
    /// [`PROVISIONAL_HORIZON_YEARS`] past the last official one that has no file,
    /// and keeps doing so as files are added. Years before the regulation took
    /// effect are never derived.
    pub fn with_provisional_years(mut self) -> Result<Self, CalendarError> {
        self.derive_provisional = true;
        self.fill_provisional()?;
        Ok(self)
    }

    fn fill_provisional(&mut self) -> Result<(), CalendarError> {
        if !self.derive_provisional {
            return Ok(());
        }
        let last_official = self.last_official_year().unwrap_or(rule::RULE_FIRST_YEAR - 1);
        let through = last_official.max(rule::RULE_FIRST_YEAR - 1) + PROVISIONAL_HORIZON_YEARS;
        for year in rule::RULE_FIRST_YEAR..=through {
            if self.years.contains_key(&year) {
                continue;
            }
            let file = year_file::YearFile {
                year,
                source: format!("{year}年节假日安排尚未公布，按{}推算（未含调休）", rule::RULE_NAME),
                source_url: None,
                published: None,
                holidays: rule::statutory_holidays(year)?,
            };
            let mut built = Year::build(&format!("{year}（暂定）"), file)?;
            built.provisional = true;
            self.years.insert(year, built);
        }
        Ok(())
    }

    /// Checks a year file as the official notice an operator imports: valid as any
    /// year file, with its publication date, and with every statutory day the
    /// regulation gives that year inside a holiday's days off. Returns the year.
    pub fn check_notice(label: &str, text: &str) -> Result<i32, CalendarError> {
        let file = year_file::parse(label, text)?;
        if file.published.is_none() {
            return Err(CalendarError::MissingPublished { file: label.to_owned() });
        }
        if file.year >= rule::RULE_FIRST_YEAR {
            for statutory in rule::statutory_holidays(file.year)? {
                for date in statutory.first_day.iter_days().take_while(|d| *d <= statutory.last_day) {
                    let off = file.holidays.iter().any(|h| h.first_day <= date && date <= h.last_day);
                    if !off {
                        return Err(CalendarError::StatutoryDayMissing {
                            file: label.to_owned(),
                            holiday: statutory.name.clone(),
                            date,
                        });
                    }
                }
            }
        }
        Ok(file.year)
    }

    /// This calendar with an imported official notice in place of the year's
    /// provisional data: [`Calendar::check_notice`], then refused if the year
    /// already has an official file or the year before is still provisional.
    /// `self` is unchanged.
    pub fn with_notice(&self, label: &str, text: &str) -> Result<Self, CalendarError> {
        let year = Self::check_notice(label, text)?;
        if let Some(existing) = self.years.get(&year).filter(|y| !y.provisional) {
            return Err(CalendarError::YearAlreadyOfficial {
                year,
                notice: existing.source.clone(),
            });
        }
        if let Some(missing) = year
            .checked_sub(1)
            .filter(|previous| self.years.get(previous).is_some_and(|y| y.provisional))
        {
            return Err(CalendarError::EarlierYearMissing { year, missing });
        }
        let mut next = self.clone();
        next.add_year_file(label, text)?;
        Ok(next)
    }

    /// Builds a calendar from `(label, TOML text)` pairs, one per year. The
    /// label (normally the file name) is used in error messages.
    pub fn from_year_files<L, T>(files: impl IntoIterator<Item = (L, T)>) -> Result<Self, CalendarError>
    where
        L: AsRef<str>,
        T: AsRef<str>,
    {
        let mut calendar = Self::new();
        for (label, text) in files {
            calendar.add_year_file(label.as_ref(), text.as_ref())?;
        }
        Ok(calendar)
    }

    /// Parses, validates and adds one year file, replacing the year's provisional
    /// data if it had any. A second file for a year already loaded from a file is
    /// an error naming both labels; the calendar is left unchanged on any error.
    pub fn add_year_file(&mut self, label: &str, text: &str) -> Result<(), CalendarError> {
        let file = year_file::parse(label, text)?;
        if let Some(existing) = self.years.get(&file.year).filter(|y| !y.provisional) {
            return Err(CalendarError::DuplicateYear {
                year: file.year,
                first: existing.label.clone(),
                second: label.to_owned(),
            });
        }
        let year = file.year;
        let built = Year::build(label, file)?;
        let mut next = self.clone();
        next.years.insert(year, built);
        next.fill_provisional()?;
        *self = next;
        Ok(())
    }

    /// The years loaded from official files, ascending.
    pub fn official_years(&self) -> Vec<i32> {
        self.years
            .iter()
            .filter(|(_, y)| !y.provisional)
            .map(|(n, _)| *n)
            .collect()
    }

    /// The years derived from the regulation, ascending.
    pub fn provisional_years(&self) -> Vec<i32> {
        self.years
            .iter()
            .filter(|(_, y)| y.provisional)
            .map(|(n, _)| *n)
            .collect()
    }

    /// The last year loaded from an official file.
    pub fn last_official_year(&self) -> Option<i32> {
        self.years.iter().rev().find(|(_, y)| !y.provisional).map(|(n, _)| *n)
    }

    /// Whether `date` falls in a provisional year: a date computed into it may
    /// move when that year's notice is loaded (shown as 预计).
    pub fn is_provisional(&self, date: NaiveDate) -> bool {
        self.years.get(&date.year()).is_some_and(|y| y.provisional)
    }

    /// The first day of the first provisional year: every date from it on is
    /// provisional (provisional years follow the official ones).
    pub fn provisional_from(&self) -> Option<NaiveDate> {
        let (year, _) = self.years.iter().find(|(_, y)| y.provisional)?;
        NaiveDate::from_ymd_opt(*year, 1, 1)
    }

    /// Where a year's working days come from, if the year is covered.
    pub fn basis(&self, year: i32) -> Option<YearBasis> {
        self.years.get(&year).map(|y| {
            if y.provisional {
                YearBasis::Provisional
            } else {
                YearBasis::Official {
                    label: y.label.clone(),
                    source: y.source.clone(),
                    published: y.published,
                }
            }
        })
    }

    /// One line for people and the case history: the calendar a date was
    /// computed with, e.g. `2026年官方安排（国办发明电〔2025〕7号）` or
    /// `2027年暂定日历（按放假办法推算，未含调休）`.
    pub fn version_of(&self, date: NaiveDate) -> String {
        let year = date.year();
        match self.years.get(&year) {
            Some(y) if y.provisional => format!("{year}年暂定日历（按放假办法推算，未含调休）"),
            Some(y) => match (y.source.find('（'), y.source.rfind('）')) {
                (Some(open), Some(close)) if close > open => {
                    format!("{year}年官方安排{}", &y.source[open..close + '）'.len_utf8()])
                }
                _ => format!("{year}年官方安排"),
            },
            None => format!("{year}年无数据"),
        }
    }

    /// The date `date` moves to when a calendar replaces `old`: the same number of
    /// working days after `start` as it was under `old`. `date` must have been
    /// computed as working days after `start` (a deadline from its dispatch day, a
    /// promised date from the submission day); a date in an official year of both
    /// calendars does not move.
    pub fn recount(&self, old: &Calendar, start: NaiveDate, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let days = old.working_days_between(start, date)?;
        self.add_working_days(start, days)
    }

    /// The years with data, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether `date` falls in a year with data.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// When the notice a year's data comes from was published, if its file says.
    pub fn published(&self, year: i32) -> Option<NaiveDate> {
        self.years.get(&year).and_then(|y| y.published)
    }

    /// The notice a year's data comes from (its `source`).
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    /// The URL of the notice a year's data comes from (its `source_url`).
    pub fn source_url(&self, year: i32) -> Option<&str> {
        self.years.get(&year).and_then(|y| y.source_url.as_deref())
    }

    /// The label of the file a year was loaded from.
    pub fn file_label(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.label.as_str())
    }

    /// The holidays of a year, in file order.
    pub fn holidays(&self, year: i32) -> Option<&[Holiday]> {
        self.years.get(&year).map(|y| y.holidays.as_slice())
    }

    fn year(&self, year: i32) -> Result<&Year, CalendarError> {
        self.years.get(&year).ok_or(CalendarError::NoDataForYear { year })
    }

    /// Whether `date` is a working day: Monday–Friday unless inside a
    /// holiday's days off; Saturday/Sunday only when listed as a make-up day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        let year = self.year(date.year())?;
        let i = date.ordinal0() as usize;
        Ok(year.count(i, i + 1) == 1)
    }

    /// The date of the `n`-th working day strictly after `start` (the start
    /// day itself is never counted). `n = 0` returns `start` unchanged.
    ///
    /// Errors with [`CalendarError::NoDataForYear`] if the count runs into a
    /// year without data.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(start);
        }
        let first = start.succ_opt().ok_or(CalendarError::DateOutOfRange)?;
        let mut year_number = first.year();
        let mut from = first.ordinal0() as usize;
        let mut remaining = n;
        loop {
            let year = self.year(year_number)?;
            let available = year.count(from, year.days);
            if remaining <= available {
                let target = u32::from(year.working_before[from]) + remaining;
                // Smallest prefix length whose count reaches `target`; the day
                // that completes it is day-of-year index `len - 1`, i.e.
                // ordinal `len`.
                let len = year.working_before[..=year.days].partition_point(|&c| u32::from(c) < target);
                let ordinal = u32::try_from(len).map_err(|_| CalendarError::DateOutOfRange)?;
                return NaiveDate::from_yo_opt(year_number, ordinal).ok_or(CalendarError::DateOutOfRange);
            }
            remaining -= available;
            year_number = year_number.checked_add(1).ok_or(CalendarError::DateOutOfRange)?;
            from = 0;
        }
    }

    /// The number of working days `d` with `start < d <= end`; 0 when
    /// `end <= start`.
    ///
    /// Errors with [`CalendarError::NoDataForYear`] if any year in that span
    /// has no data.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> Result<u32, CalendarError> {
        if end <= start {
            return Ok(0);
        }
        let first = start.succ_opt().ok_or(CalendarError::DateOutOfRange)?;
        let mut total = 0u32;
        for year_number in first.year()..=end.year() {
            let year = self.year(year_number)?;
            let from = if year_number == first.year() {
                first.ordinal0() as usize
            } else {
                0
            };
            let to = if year_number == end.year() {
                end.ordinal() as usize
            } else {
                year.days
            };
            total += if from == 0 && to == year.days {
                year.total()
            } else {
                year.count(from, to)
            };
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The prefix counts agree with the rule stated independently of them: a day
    /// works when it is a weekday outside every holiday's days off, or a make-up day.
    #[test]
    fn prefix_counts_match_the_holidays_day_by_day() {
        let calendar = Calendar::official().unwrap();
        for (number, year) in &calendar.years {
            assert_eq!(year.working_before[0], 0);
            let mut expected = 0u16;
            for i in 0..year.days {
                let d = NaiveDate::from_yo_opt(*number, i as u32 + 1).unwrap();
                let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
                let off = year.holidays.iter().any(|h| h.first_day <= d && d <= h.last_day);
                let make_up = year.holidays.iter().any(|h| h.make_up.contains(&d));
                if (weekday && !off) || make_up {
                    expected += 1;
                }
                assert_eq!(year.working_before[i + 1], expected, "{d}");
            }
            // Unused tail of a common year stays at the sentinel value.
            if year.days == 365 {
                assert_eq!(year.working_before[366], 0);
            }
        }
    }

    #[test]
    fn official_year_totals() {
        // 2024: 262 weekdays − 19 weekdays off + 8 make-up days = 251.
        // 2025: 261 weekdays − 18 weekdays off + 5 make-up days = 248
        // (two more statutory holidays from 2025 on).
        // 2026: 261 weekdays − 19 weekdays off + 6 make-up days = 248.
        let calendar = Calendar::official().unwrap();
        assert_eq!(calendar.years[&2024].total(), 251);
        assert_eq!(calendar.years[&2025].total(), 248);
        assert_eq!(calendar.years[&2026].total(), 248);
        assert_eq!(
            calendar
                .working_days_between(date(2023, 12, 31), date(2024, 12, 31))
                .unwrap(),
            251
        );
    }
}
