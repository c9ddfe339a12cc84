//! Parsing and validation of one year's data file.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use crate::{CalendarError, Holiday};

/// Supported years (sanity bound against typos such as `year = 226`).
const MIN_YEAR: i64 = 1900;
const MAX_YEAR: i64 = 9999;

/// The raw TOML shape of a year file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: Spanned<i64>,
    source: String,
    #[serde(default)]
    source_url: Option<String>,
    /// The day the notice was published (发布日期), `YYYY-MM-DD`.
    #[serde(default)]
    published: Option<Spanned<String>>,
    #[serde(default, rename = "holiday")]
    holidays: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    off: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    make_up: Vec<Spanned<String>>,
}

/// A validated year file.
#[derive(Clone, Debug)]
pub(crate) struct YearFile {
    pub(crate) year: i32,
    pub(crate) source: String,
    pub(crate) source_url: Option<String>,
    pub(crate) published: Option<NaiveDate>,
    pub(crate) holidays: Vec<Holiday>,
}

/// 1-based line of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// Chinese name of a weekday.
pub(crate) fn weekday_zh(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "周一",
        Weekday::Tue => "周二",
        Weekday::Wed => "周三",
        Weekday::Thu => "周四",
        Weekday::Fri => "周五",
        Weekday::Sat => "周六",
        Weekday::Sun => "周日",
    }
}

/// The text between a leading pair of backquotes, e.g. `` `source` `` → `source`.
fn backquoted(text: &str) -> Option<String> {
    let rest = text.strip_prefix('`')?;
    let end = rest.find('`')?;
    rest.get(..end).map(str::to_owned)
}

/// Best-effort Chinese rendering of the TOML/serde messages an operator is
/// most likely to trigger; anything else is passed through unchanged.
fn translate_message(message: &str) -> String {
    let message = message.trim();
    if let Some(field) = message.strip_prefix("missing field ").and_then(backquoted) {
        return format!("缺少字段“{field}”");
    }
    if let Some(field) = message.strip_prefix("unknown field ").and_then(backquoted) {
        return format!("未知字段“{field}”（{message}）");
    }
    if let Some(rest) = message.strip_prefix("duplicate key") {
        return format!("键重复{rest}");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let hint = if rest.ends_with("expected a string") {
            "；日期须写成带引号的字符串，例如\"2027-01-01\""
        } else {
            ""
        };
        return format!("类型错误（{rest}）{hint}");
    }
    message.to_owned()
}

struct Context<'a> {
    label: &'a str,
    text: &'a str,
    year: i32,
}

impl Context<'_> {
    fn line(&self, spanned_start: usize) -> usize {
        line_of(self.text, spanned_start)
    }

    /// Parses one date string and checks it lies in the file's year.
    fn date(&self, raw: &Spanned<String>) -> Result<NaiveDate, CalendarError> {
        let line = self.line(raw.span().start);
        let value = raw.get_ref();
        let date = parse_iso_date(value).ok_or_else(|| CalendarError::InvalidDate {
            file: self.label.to_owned(),
            line,
            value: value.clone(),
        })?;
        if date.year() != self.year {
            return Err(CalendarError::DateOutsideYear {
                file: self.label.to_owned(),
                line,
                date,
                year: self.year,
            });
        }
        Ok(date)
    }
}

/// Strict `YYYY-MM-DD` (exactly ten characters, zero padded).
fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// Parses and validates one year file.
pub(crate) fn parse(label: &str, text: &str) -> Result<YearFile, CalendarError> {
    let raw: RawYear = toml::from_str(text).map_err(|err| CalendarError::Syntax {
        file: label.to_owned(),
        line: err.span().map_or(1, |span| line_of(text, span.start)),
        message: translate_message(err.message()),
    })?;

    let year_value = *raw.year.get_ref();
    if !(MIN_YEAR..=MAX_YEAR).contains(&year_value) {
        return Err(CalendarError::InvalidYear {
            file: label.to_owned(),
            line: line_of(text, raw.year.span().start),
            year: year_value,
        });
    }
    let year = i32::try_from(year_value).map_err(|_| CalendarError::InvalidYear {
        file: label.to_owned(),
        line: line_of(text, raw.year.span().start),
        year: year_value,
    })?;
    if raw.source.trim().is_empty() {
        return Err(CalendarError::MissingSource { file: label.to_owned() });
    }
    let cx = Context { label, text, year };
    let published = match &raw.published {
        None => None,
        Some(raw_date) => {
            let line = cx.line(raw_date.span().start);
            let date = parse_iso_date(raw_date.get_ref()).ok_or_else(|| CalendarError::InvalidDate {
                file: label.to_owned(),
                line,
                value: raw_date.get_ref().clone(),
            })?;
            // A notice is published in the year before the one it arranges, or early in it.
            if date.year() != year && date.year() != year - 1 {
                return Err(CalendarError::PublishedOutOfRange {
                    file: label.to_owned(),
                    line,
                    date,
                    year,
                });
            }
            Some(date)
        }
    };

    // First pass: off ranges.
    let mut holidays = Vec::with_capacity(raw.holidays.len());
    let mut off_days = BTreeSet::new();
    for raw_holiday in &raw.holidays {
        let off_line = cx.line(raw_holiday.off.span().start);
        let (first_day, last_day) = match raw_holiday.off.get_ref().as_slice() {
            [single] => {
                let day = cx.date(single)?;
                (day, day)
            }
            [first, last] => (cx.date(first)?, cx.date(last)?),
            other => {
                return Err(CalendarError::RangeShape {
                    file: label.to_owned(),
                    line: off_line,
                    holiday: raw_holiday.name.clone(),
                    count: other.len(),
                });
            }
        };
        if last_day < first_day {
            return Err(CalendarError::RangeReversed {
                file: label.to_owned(),
                line: off_line,
                holiday: raw_holiday.name.clone(),
                start: first_day,
                end: last_day,
            });
        }
        off_days.extend(first_day.iter_days().take_while(|d| *d <= last_day));
        holidays.push(Holiday {
            name: raw_holiday.name.clone(),
            first_day,
            last_day,
            make_up: Vec::with_capacity(raw_holiday.make_up.len()),
        });
    }

    // Second pass: make-up days, checked against every holiday's days off.
    for (raw_holiday, holiday) in raw.holidays.iter().zip(holidays.iter_mut()) {
        for raw_day in &raw_holiday.make_up {
            let line = cx.line(raw_day.span().start);
            let date = cx.date(raw_day)?;
            let weekday = date.weekday();
            if !matches!(weekday, Weekday::Sat | Weekday::Sun) {
                return Err(CalendarError::MakeUpNotWeekend {
                    file: label.to_owned(),
                    line,
                    holiday: raw_holiday.name.clone(),
                    date,
                    weekday: weekday_zh(weekday),
                });
            }
            if off_days.contains(&date) {
                return Err(CalendarError::OffAndMakeUp {
                    file: label.to_owned(),
                    line,
                    date,
                });
            }
            holiday.make_up.push(date);
        }
    }

    Ok(YearFile {
        year,
        source: raw.source,
        source_url: raw.source_url,
        published,
        holidays,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn line_of_counts_newlines_before_offset() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 4), 3);
        assert_eq!(line_of(text, 100), 3);
    }

    #[test]
    fn iso_dates_must_be_zero_padded() {
        assert_eq!(parse_iso_date("2026-02-14"), NaiveDate::from_ymd_opt(2026, 2, 14));
        assert_eq!(parse_iso_date("2026-2-14"), None);
        assert_eq!(parse_iso_date("2026/02/14"), None);
        assert_eq!(parse_iso_date("2026-02-30"), None);
        assert_eq!(parse_iso_date(" 2026-02-14"), None);
    }

    #[test]
    fn common_messages_are_translated() {
        assert_eq!(translate_message("missing field `source`"), "缺少字段“source”");
        assert!(translate_message("unknown field `makeup`, expected one of `name`").starts_with("未知字段“makeup”"));
        assert_eq!(translate_message("something else\n"), "something else");
        assert!(translate_message("invalid type: map, expected a string").contains("带引号的字符串"));
        assert_eq!(
            translate_message("invalid type: string \"2027\", expected i64"),
            "类型错误（string \"2027\", expected i64）"
        );
    }
}
