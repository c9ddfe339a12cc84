//! Dates as people write them in a description, resolved against today: 2025年3月5日,
//! 3月5号, 去年10月5号, 上个月15号, 2025-03-05, 今天, 昨天, 前天, 大前天, 3天前, 上周三,
//! 这周一, 周二.
//!
//! Only past or present dates are returned: the intake reads dates of events that
//! have happened (a birth, a death); “下周” is not one of them.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A date found in a text: the date and the words it was written as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    pub written: String,
}

fn weekday_of(c: char) -> Option<Weekday> {
    Some(match c {
        '一' | '1' => Weekday::Mon,
        '二' | '2' => Weekday::Tue,
        '三' | '3' => Weekday::Wed,
        '四' | '4' => Weekday::Thu,
        '五' | '5' => Weekday::Fri,
        '六' | '6' => Weekday::Sat,
        '日' | '天' | '7' => Weekday::Sun,
        _ => return None,
    })
}

/// A number written in digits or in Chinese numerals up to 99 (十五, 二十三, 3).
pub(crate) fn number(text: &[char]) -> Option<(u32, usize)> {
    let digits: String = text.iter().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        return digits.parse().ok().map(|n| (n, digits.chars().count()));
    }
    let value = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32);
    let mut used = 0;
    let mut total = 0;
    let mut current = None;
    for &c in text.iter().take(3) {
        if c == '十' {
            total += current.unwrap_or(1) * 10;
            current = None;
        } else if let Some(v) = value(c).or(if c == '两' { Some(2) } else { None }) {
            current = Some(v);
        } else {
            break;
        }
        used += 1;
    }
    (used > 0).then(|| (total + current.unwrap_or(0), used))
}

/// The Monday of the week of `date`.
fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// The first date written in `text`, resolved against `today`, if it is not in the future.
pub fn find_date(text: &str, today: NaiveDate) -> Option<FoundDate> {
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    while start < chars.len() {
        match date_at(&chars[start..], today) {
            Some((date, length)) if date <= today => {
                return Some(FoundDate {
                    date,
                    written: chars[start..start + length].iter().collect(),
                });
            }
            // A future date is skipped whole, not read again from its middle.
            Some((_, length)) => start += length.max(1),
            None => start += 1,
        }
    }
    None
}

/// A date written at the start of `text`, with how many characters it takes.
fn date_at(text: &[char], today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let starts = |word: &str| {
        let word: Vec<char> = word.chars().collect();
        text.len() >= word.len() && text[..word.len()] == word[..]
    };
    for (word, back) in [
        ("大前天", 3),
        ("前天", 2),
        ("昨天", 1),
        ("昨日", 1),
        ("今天", 0),
        ("今日", 0),
    ] {
        if starts(word) {
            return Some((today - Days::new(back), word.chars().count()));
        }
    }
    // 上周三 / 上星期三 / 上礼拜三 / 这周一 / 本周一 / 周二 / 星期二.
    for (prefix, weeks_back) in [
        ("上上周", 2),
        ("上周", 1),
        ("上星期", 1),
        ("上礼拜", 1),
        ("这周", 0),
        ("本周", 0),
        ("这星期", 0),
        ("这礼拜", 0),
        ("周", 0),
        ("星期", 0),
        ("礼拜", 0),
    ] {
        if starts(prefix) {
            let at = prefix.chars().count();
            let weekday = text.get(at).copied().and_then(weekday_of)?;
            let monday = monday_of(today) - Days::new(7 * weeks_back);
            let mut date = monday + Days::new(u64::from(weekday.num_days_from_monday()));
            // A bare 周二 means the last one, this week's or the week before.
            if weeks_back == 0 && !prefix.starts_with('这') && !prefix.starts_with('本') && date > today {
                date = date - Days::new(7);
            }
            return Some((date, at + 1));
        }
    }
    // N天前.
    if let Some((n, used)) = number(text) {
        let after: String = text[used..].iter().take(2).collect();
        if after == "天前" {
            return Some((today - Days::new(u64::from(n)), used + 2));
        }
    }
    // 2025-03-05, 2025/3/5, 2025.3.5.
    let digits: String = text.iter().take(10).collect();
    for separator in ['-', '/', '.'] {
        let parts: Vec<&str> = digits.splitn(3, separator).collect();
        if parts.len() == 3 && parts[0].len() == 4 && parts.iter().all(|p| !p.is_empty()) {
            let day: String = parts[2].chars().take_while(char::is_ascii_digit).collect();
            if let (Ok(y), Ok(m), Ok(d)) = (parts[0].parse(), parts[1].parse(), day.parse())
                && let Some(date) = NaiveDate::from_ymd_opt(y, m, d)
            {
                return Some((date, 4 + 1 + parts[1].len() + 1 + day.len()));
            }
        }
    }
    // 上个月15号 / 这个月3号: a day of last or this month.
    for (prefix, months_back) in [("上个月", 1), ("上月", 1), ("这个月", 0), ("本月", 0)] {
        if starts(prefix) {
            let at = prefix.chars().count();
            let (day, used) = number(&text[at..])?;
            if !matches!(text.get(at + used), Some('日' | '号')) {
                return None;
            }
            let first = today.with_day(1)?;
            let month = if months_back == 1 {
                first.pred_opt()?.with_day(1)?
            } else {
                first
            };
            let date = NaiveDate::from_ymd_opt(month.year(), month.month(), day)?;
            return Some((date, at + used + 1));
        }
    }
    // 2025年3月5日 / 去年10月5号 / 3月5号 / 三月五日.
    let mut at = 0;
    let mut year = None;
    if let Some((y, used)) = number(text)
        && used == 4
        && text.get(used) == Some(&'年')
    {
        year = Some(y as i32);
        at = used + 1;
    }
    for (word, back) in [("前年", 2), ("去年", 1), ("今年", 0)] {
        if starts(word) {
            year = Some(today.year() - back);
            at = word.chars().count();
        }
    }
    let (month, used) = number(&text[at..])?;
    if text.get(at + used) != Some(&'月') {
        return None;
    }
    at += used + 1;
    let (day, used) = number(&text[at..])?;
    if !matches!(text.get(at + used), Some('日' | '号')) {
        return None;
    }
    at += used + 1;
    let explicit_year = year.is_some();
    let year = year.unwrap_or(today.year());
    let mut date = NaiveDate::from_ymd_opt(year, month, day)?;
    // 12月30日 written in January is last year's.
    if date > today && !explicit_year {
        date = NaiveDate::from_ymd_opt(year - 1, month, day)?;
    }
    Some((date, at))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn relative_and_absolute_dates_resolve_against_today() {
        // 2026-03-12 is a Thursday.
        let today = day("2026-03-12");
        let found = |text: &str| find_date(text, today).map(|f| f.date);
        assert_eq!(found("我老婆上周三在市妇幼生了"), Some(day("2026-03-04")));
        assert_eq!(found("上星期日"), Some(day("2026-03-08")));
        assert_eq!(found("这周一生的"), Some(day("2026-03-09")));
        assert_eq!(found("周二"), Some(day("2026-03-10")));
        // A bare weekday later in the week is last week's.
        assert_eq!(found("周六"), Some(day("2026-03-07")));
        assert_eq!(found("昨天"), Some(day("2026-03-11")));
        assert_eq!(found("大前天"), Some(day("2026-03-09")));
        assert_eq!(found("三天前"), Some(day("2026-03-09")));
        assert_eq!(found("2026年3月1日出生"), Some(day("2026-03-01")));
        assert_eq!(found("3月1号"), Some(day("2026-03-01")));
        assert_eq!(found("十二月三十日"), Some(day("2025-12-30")));
        assert_eq!(found("2026-02-28"), Some(day("2026-02-28")));
        assert_eq!(found("2026年2月30日"), None);
        assert_eq!(
            found("2026年4月1日"),
            None,
            "a future date is not an event that happened"
        );
        assert_eq!(found("生了个女儿"), None);
        assert_eq!(found("女儿去年10月5号出生的"), Some(day("2025-10-05")));
        assert_eq!(found("去年3月1号"), Some(day("2025-03-01")));
        assert_eq!(found("今年1月8日"), Some(day("2026-01-08")));
        assert_eq!(found("上个月15号走的"), Some(day("2026-02-15")));
        assert_eq!(found("这个月3号"), Some(day("2026-03-03")));
        assert_eq!(found("上个月31号"), None, "February has no 31st");
        assert_eq!(find_date("上周三", today).unwrap().written, "上周三");
    }
}
