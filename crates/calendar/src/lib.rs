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

/// Maximum number of days in a year, plus one for the prefix-count sentinel.
const PREFIX_LEN: usize = 367;

/// One loaded year.
#[derive(Clone, Debug)]
struct Year {
    label: String,
    source: String,
    source_url: Option<String>,
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
}

impl Calendar {
    /// An empty calendar: every question is [`CalendarError::NoDataForYear`]
    /// until year files are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// The official calendar bundled with this crate (currently 2024–2026).
    ///
    /// The bundled files are covered by tests, so this only fails if they are
    /// edited into an invalid state.
    pub fn official() -> Result<Self, CalendarError> {
        Self::from_year_files(OFFICIAL_FILES)
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

    /// Parses, validates and adds one year file. A second file for a year
    /// already present is an error naming both labels; the calendar is left
    /// unchanged on any error.
    pub fn add_year_file(&mut self, label: &str, text: &str) -> Result<(), CalendarError> {
        let file = year_file::parse(label, text)?;
        if let Some(existing) = self.years.get(&file.year) {
            return Err(CalendarError::DuplicateYear {
                year: file.year,
                first: existing.label.clone(),
                second: label.to_owned(),
            });
        }
        let year = file.year;
        let built = Year::build(label, file)?;
        self.years.insert(year, built);
        Ok(())
    }

    /// The years with data, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether `date` falls in a year with data.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
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

    #[test]
    fn prefix_counts_match_day_by_day_status() {
        let calendar = Calendar::official().unwrap();
        for (number, year) in &calendar.years {
            assert_eq!(year.working_before[0], 0);
            let mut expected = 0u16;
            for i in 0..year.days {
                let d = NaiveDate::from_yo_opt(*number, i as u32 + 1).unwrap();
                if calendar.is_working_day(d).unwrap() {
                    expected += 1;
                }
                assert_eq!(year.working_before[i + 1], expected);
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
