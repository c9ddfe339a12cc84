//! Declarative mapping from a department's own HTTP JSON service to our attributes.
//!
//! A department's service names and formats its fields its own way (公安 answers
//! `{"code":0,"data":{"XM":"王芳","XB":"2","CSRQ":"19940315"}}`). A source's
//! `[source.http]` section says where the record is in the answer, which field holds
//! each attribute, and how to convert it. This module only builds the request URL
//! and converts a parsed answer: the HTTP call itself belongs to the caller.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

/// The placeholder in [`HttpMapping::url`] replaced by the percent-encoded subject key.
pub const SUBJECT_PLACEHOLDER: &str = "{subject}";

/// How to read one attribute from a record of the department's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldMap {
    /// The field of the record holding the value (dotted path for nested objects).
    pub field: String,
    /// How the value is written by the department.
    pub format: Format,
    /// Department code -> our value (e.g. `"2"` -> `"女"`); empty when values are taken as they are.
    pub codes: BTreeMap<String, String>,
}

/// The formats a department may use for a value; dates become `YYYY-MM-DD`, amounts yuan with two decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// A string or a number, taken as text (the default).
    Text,
    /// `19940315`.
    Yyyymmdd,
    /// `2019/05/20` (one-digit month and day accepted).
    SlashDate,
    /// `2019-05-20` (one-digit month and day accepted).
    DashDate,
    /// `2019年5月20日`.
    ChineseDate,
    /// Integer cents (分), e.g. `123456` -> `1234.56`.
    Fen,
}

impl Format {
    /// The names accepted in `sources.toml`.
    pub const NAMES: [&'static str; 6] = ["text", "yyyymmdd", "yyyy/mm/dd", "yyyy-mm-dd", "yyyy年m月d日", "fen"];

    /// The format named `name` in `sources.toml`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "text" => Some(Self::Text),
            "yyyymmdd" => Some(Self::Yyyymmdd),
            "yyyy/mm/dd" => Some(Self::SlashDate),
            "yyyy-mm-dd" => Some(Self::DashDate),
            "yyyy年m月d日" => Some(Self::ChineseDate),
            "fen" => Some(Self::Fen),
            _ => None,
        }
    }

    /// The name used in `sources.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Yyyymmdd => "yyyymmdd",
            Self::SlashDate => "yyyy/mm/dd",
            Self::DashDate => "yyyy-mm-dd",
            Self::ChineseDate => "yyyy年m月d日",
            Self::Fen => "fen",
        }
    }

    /// Converts `raw` (already text) to our canonical form.
    fn convert(self, raw: &str) -> Option<String> {
        match self {
            Self::Text => Some(raw.to_owned()),
            Self::Yyyymmdd => {
                if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                date_from_parts(raw.get(0..4)?, raw.get(4..6)?, raw.get(6..8)?)
            }
            Self::SlashDate => split_date(raw, '/'),
            Self::DashDate => split_date(raw, '-'),
            Self::ChineseDate => {
                let (year, rest) = raw.split_once('年')?;
                let (month, rest) = rest.split_once('月')?;
                let day = rest.strip_suffix('日')?;
                date_from_parts(year, month, day)
            }
            Self::Fen => {
                if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let fen: u64 = raw.parse().ok()?;
                Some(format!("{}.{:02}", fen / 100, fen % 100))
            }
        }
    }
}

fn split_date(raw: &str, separator: char) -> Option<String> {
    let mut parts = raw.split(separator);
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    date_from_parts(year, month, day)
}

/// A date from a 4-digit year and 1–2 digit month and day, as `YYYY-MM-DD`.
fn date_from_parts(year: &str, month: &str, day: &str) -> Option<String> {
    let digits =
        |text: &str, lengths: &[usize]| lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, &[4]) || !digits(month, &[1, 2]) || !digits(day, &[1, 2]) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// An optional check that the department's answer reports success, e.g. `code` is `0`.
/// Without it an error answer without a record would read as "no record".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCheck {
    /// Dotted path to the status field, e.g. `code`.
    pub at: String,
    /// The values meaning success, as text (numbers and booleans compared by their text).
    pub ok: Vec<String>,
}

/// How a source is served by a department's own HTTP JSON service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpMapping {
    /// The URL with [`SUBJECT_PLACEHOLDER`] where the subject key goes.
    pub url: String,
    /// Dotted path to the record object in the answer; `None` when the answer is the record.
    pub records_at: Option<String>,
    /// The success check, when the service reports its status in the body.
    pub status: Option<StatusCheck>,
    /// Our attribute -> how to read it.
    pub fields: BTreeMap<String, FieldMap>,
}

/// Why a department's answer could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The status field is missing or not a success value.
    #[error("部门接口返回失败状态：{at} = {value}")]
    Status { at: String, value: String },
    /// `records_at` holds several records for one subject.
    #[error("部门接口对同一主体返回了 {count} 条记录，无法确定使用哪一条")]
    MultipleRecords { count: usize },
    /// `records_at` holds something other than an object.
    #[error("部门接口返回的记录不是对象，而是{found}")]
    NotRecord { found: &'static str },
    /// A field holds an object, array or boolean where text was expected.
    #[error("部门接口字段“{field}”应为字符串或数字，实际为{found}")]
    WrongType { field: String, found: &'static str },
    /// A coded field holds a code the mapping does not list.
    #[error("部门接口字段“{field}”的代码“{value}”没有对应的取值（属性“{attribute}”）")]
    UnmappedCode {
        attribute: String,
        field: String,
        value: String,
    },
    /// A field does not match its declared format.
    #[error("部门接口字段“{field}”的值“{value}”不符合格式 {format}（属性“{attribute}”）")]
    BadFormat {
        attribute: String,
        field: String,
        value: String,
        format: &'static str,
    },
}

impl MappingError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Status { .. } => "MAPPING_STATUS",
            Self::MultipleRecords { .. } => "MAPPING_MULTIPLE_RECORDS",
            Self::NotRecord { .. } => "MAPPING_NOT_RECORD",
            Self::WrongType { .. } => "MAPPING_WRONG_TYPE",
            Self::UnmappedCode { .. } => "MAPPING_UNMAPPED_CODE",
            Self::BadFormat { .. } => "MAPPING_BAD_FORMAT",
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "空值",
        Value::Bool(_) => "布尔值",
        Value::Number(_) => "数字",
        Value::String(_) => "字符串",
        Value::Array(_) => "数组",
        Value::Object(_) => "对象",
    }
}

/// Follows a dotted path through objects (by key) and arrays (by index).
fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |current, segment| match current {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|index| items.get(index)),
        _ => None,
    })
}

/// A scalar's text: strings as they are, numbers and booleans as written in JSON.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

impl HttpMapping {
    /// The request URL for `subject`, percent-encoded into every `{subject}`.
    pub fn request_url(&self, subject: &str) -> String {
        self.url.replace(SUBJECT_PLACEHOLDER, &percent_encode(subject))
    }

    /// Reads the record for one subject from the department's answer.
    /// `Ok(None)` when the answer holds no record (path missing, `null` or an empty list).
    /// A field that is missing, `null` or an empty string is left out of the record.
    pub fn map_response(&self, body: &Value) -> Result<Option<BTreeMap<String, String>>, MappingError> {
        if let Some(status) = &self.status {
            let found = at_path(body, &status.at).and_then(scalar_text);
            if !found.as_ref().is_some_and(|value| status.ok.contains(value)) {
                return Err(MappingError::Status {
                    at: status.at.clone(),
                    value: found.unwrap_or_else(|| "（缺失）".to_owned()),
                });
            }
        }
        let record = match &self.records_at {
            None => Some(body),
            Some(path) => at_path(body, path),
        };
        let record = match record {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => match items.as_slice() {
                [] => return Ok(None),
                [one] => one,
                many => return Err(MappingError::MultipleRecords { count: many.len() }),
            },
            Some(other) => other,
        };
        if !record.is_object() {
            return Err(MappingError::NotRecord {
                found: type_name(record),
            });
        }
        let mut values = BTreeMap::new();
        for (attribute, map) in &self.fields {
            let raw = match at_path(record, &map.field) {
                None | Some(Value::Null) => continue,
                Some(value @ (Value::String(_) | Value::Number(_))) => scalar_text(value).unwrap_or_default(),
                Some(other) => {
                    return Err(MappingError::WrongType {
                        field: map.field.clone(),
                        found: type_name(other),
                    });
                }
            };
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let value = if map.codes.is_empty() {
                map.format.convert(raw).ok_or_else(|| MappingError::BadFormat {
                    attribute: attribute.clone(),
                    field: map.field.clone(),
                    value: raw.to_owned(),
                    format: map.format.name(),
                })?
            } else {
                map.codes.get(raw).cloned().ok_or_else(|| MappingError::UnmappedCode {
                    attribute: attribute.clone(),
                    field: map.field.clone(),
                    value: raw.to_owned(),
                })?
            };
            values.insert(attribute.clone(), value);
        }
        Ok(Some(values))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_amounts_convert_or_refuse() {
        assert_eq!(Format::Yyyymmdd.convert("19940315").unwrap(), "1994-03-15");
        assert_eq!(Format::Yyyymmdd.convert("19940230"), None);
        assert_eq!(Format::Yyyymmdd.convert("1994031"), None);
        assert_eq!(Format::SlashDate.convert("2019/5/20").unwrap(), "2019-05-20");
        assert_eq!(Format::SlashDate.convert("2019/05/20/1"), None);
        assert_eq!(Format::DashDate.convert("2019-05-20").unwrap(), "2019-05-20");
        assert_eq!(Format::DashDate.convert("2019-13-01"), None);
        assert_eq!(Format::ChineseDate.convert("2019年5月20日").unwrap(), "2019-05-20");
        assert_eq!(Format::ChineseDate.convert("2019年5月20"), None);
        assert_eq!(Format::Fen.convert("123456").unwrap(), "1234.56");
        assert_eq!(Format::Fen.convert("5").unwrap(), "0.05");
        assert_eq!(Format::Fen.convert("-5"), None);
        assert_eq!(Format::Fen.convert("12.5"), None);
        for name in Format::NAMES {
            assert_eq!(Format::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn subject_is_percent_encoded() {
        assert_eq!(percent_encode("11010519491231002X"), "11010519491231002X");
        assert_eq!(percent_encode("a b&c=d/王"), "a%20b%26c%3Dd%2F%E7%8E%8B");
    }
}
