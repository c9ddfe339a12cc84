//! Lists a page at a time: the page size, and the cursors that say where the next
//! page starts (opaque to callers; keyset, so a page costs the same at any depth).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::ApiError;

/// The page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
pub const MAX_LIMIT: i64 = 200;

/// One page of a list and the cursor of the next, if there is more.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The page from `rows` fetched with one more than `limit`: that extra row only
    /// says there is a next page, which starts after the last row shown.
    pub fn of(mut rows: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(cursor) } else { None };
        Self { items: rows, next }
    }
}

/// The page size asked for, kept between 1 and [`MAX_LIMIT`]; 0 or less is the default.
pub fn limit(asked: i64) -> i64 {
    if asked <= 0 {
        DEFAULT_LIMIT
    } else {
        asked.min(MAX_LIMIT)
    }
}

/// A case number typed as a filter: `None` when empty, refused when it cannot be one.
pub fn case_number(typed: Option<&str>) -> Result<Option<String>, ApiError> {
    match typed.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => cases::CaseId::parse(id)
            .map(|id| Some(id.to_string()))
            .map_err(|_| ApiError::new("E_CASE_ID_INVALID", "办件编号格式不正确").field("case_id")),
        None => Ok(None),
    }
}

fn invalid() -> ApiError {
    ApiError::new("E_QUERY_INVALID", "翻页标记无效，请从第一页重新开始").field("cursor")
}

fn decode(cursor: &str) -> Result<String, ApiError> {
    if cursor.len() > 200 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

/// The cursor after a case submitted at `at` with number `id`.
pub fn case_cursor_of(at: DateTime<Utc>, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.timestamp_millis()))
}

/// Reads a case cursor back.
pub fn case_cursor(cursor: &str) -> Result<(DateTime<Utc>, String), ApiError> {
    let text = decode(cursor)?;
    let (millis, id) = text.split_once('|').ok_or_else(invalid)?;
    let at = millis
        .parse::<i64>()
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or_else(invalid)?;
    cases::CaseId::parse(id).map_err(|_| invalid())?;
    Ok((at, id.to_owned()))
}

/// The cursor after a ledger entry (lists that page through the ledger backwards).
pub fn index_cursor_of(index: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("idx|{index}"))
}

/// Reads an index cursor back.
pub fn index_cursor(cursor: &str) -> Result<u64, ApiError> {
    decode(cursor)?
        .strip_prefix("idx|")
        .and_then(|index| index.parse().ok())
        .ok_or_else(invalid)
}

/// A task without a deadline sorts as if due on the last day the store knows.
fn no_deadline() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The cursor after a queue entry.
pub fn queue_cursor_of(deadline: Option<NaiveDate>, case_id: &str, item: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{case_id}|{item}", deadline.unwrap_or_else(no_deadline)))
}

/// Reads a queue cursor back.
pub fn queue_cursor(cursor: &str) -> Result<(NaiveDate, String, String), ApiError> {
    let text = decode(cursor)?;
    let mut parts = text.splitn(3, '|');
    let (Some(deadline), Some(case_id), Some(item)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let deadline = deadline.parse::<NaiveDate>().map_err(|_| invalid())?;
    cases::CaseId::parse(case_id).map_err(|_| invalid())?;
    ids::ItemCode::parse(item).map_err(|_| invalid())?;
    Ok((deadline, case_id.to_owned(), item.to_owned()))
}

/// The cursor after a rectification (closed or not, its deadline, its id).
pub fn rectification_cursor_of(closed: bool, deadline: NaiveDate, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{deadline}|{id}", u8::from(closed)))
}

/// Reads a rectification cursor back.
pub fn rectification_cursor(cursor: &str) -> Result<(bool, NaiveDate, String), ApiError> {
    let text = decode(cursor)?;
    let mut parts = text.splitn(3, '|');
    let (Some(closed), Some(deadline), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let closed = match closed {
        "0" => false,
        "1" => true,
        _ => return Err(invalid()),
    };
    let deadline = deadline.parse::<NaiveDate>().map_err(|_| invalid())?;
    if id.is_empty() {
        return Err(invalid());
    }
    Ok((closed, deadline, id.to_owned()))
}

/// The cursor after a benefit finding of `period` with id `id` (lists by period,
/// newest first, then id). The finding id, not the subject's ID number: a cursor
/// travels in URLs and must not carry personal data.
pub fn finding_cursor_of(period: &str, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("fnd|{period}|{id}"))
}

/// Reads a finding cursor back.
pub fn finding_cursor(cursor: &str) -> Result<(String, String), ApiError> {
    let text = decode(cursor)?;
    let mut parts = text.splitn(3, '|');
    let (Some("fnd"), Some(period), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let period_ok = matches!(period.len(), 4 | 7)
        && period
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 { b == b'-' } else { b.is_ascii_digit() });
    let id_ok = id.len() == 18 && id.starts_with("BF") && id[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if !period_ok || !id_ok {
        return Err(invalid());
    }
    Ok((period.to_owned(), id.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cursors_read_back_what_they_wrote_and_refuse_anything_else() {
        let at = DateTime::<Utc>::from_timestamp_millis(1_764_460_800_123).unwrap();
        let id = "C-20261130-0001";
        assert_eq!(case_cursor(&case_cursor_of(at, id)).unwrap(), (at, id.to_owned()));
        let due = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let read = queue_cursor(&queue_cursor_of(Some(due), id, "GG00101001")).unwrap();
        assert_eq!(read, (due, id.to_owned(), "GG00101001".to_owned()));
        assert_eq!(
            queue_cursor(&queue_cursor_of(None, id, "GG00101001")).unwrap().0,
            no_deadline()
        );
        assert_eq!(index_cursor(&index_cursor_of(1_234_567)).unwrap(), 1_234_567);
        let read = rectification_cursor(&rectification_cursor_of(true, due, "R-1")).unwrap();
        assert_eq!(read, (true, due, "R-1".to_owned()));
        assert!(rectification_cursor(&queue_cursor_of(Some(due), id, "GG00101001")).is_err());
        assert!(index_cursor(&case_cursor_of(at, id)).is_err());
        let finding = "BF0123456789ABCDEF";
        assert_eq!(
            finding_cursor(&finding_cursor_of("2026-12", finding)).unwrap(),
            ("2026-12".to_owned(), finding.to_owned())
        );
        assert!(finding_cursor(&case_cursor_of(at, id)).is_err());
        assert!(finding_cursor(&finding_cursor_of("2026", "110105202602100016")).is_err());
        assert!(finding_cursor(&finding_cursor_of("20x6", finding)).is_err());
        for bad in ["", "!!", "bm90aGluZw", &"a".repeat(300)] {
            assert_eq!(index_cursor(bad).unwrap_err().code, "E_QUERY_INVALID");
            assert_eq!(case_cursor(bad).unwrap_err().code, "E_QUERY_INVALID");
            assert_eq!(queue_cursor(bad).unwrap_err().code, "E_QUERY_INVALID");
            assert_eq!(rectification_cursor(bad).unwrap_err().code, "E_QUERY_INVALID");
            assert_eq!(finding_cursor(bad).unwrap_err().code, "E_QUERY_INVALID");
        }
    }

    #[test]
    fn a_page_says_whether_there_is_a_next_one() {
        let page = Page::of(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((page.items, page.next), (vec![1, 2], Some("2".to_owned())));
        let page = Page::of(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((page.items, page.next), (vec![1, 2], None));
        assert_eq!(
            (limit(0), limit(-5), limit(10), limit(10_000)),
            (DEFAULT_LIMIT, DEFAULT_LIMIT, 10, MAX_LIMIT)
        );
    }
}
