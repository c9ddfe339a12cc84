//! Validation of one form value against its data element: the check behind every
//! field of the merged form and every output a department reports.

use chrono::NaiveDate;
use ids::{CreditCode, IdNumber};

use crate::model::{DataElement, ElementType};

/// Why a value does not fit its data element. The message is for the applicant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// A stable code for machines, e.g. `FIELD_ID_NUMBER_CHECK_DIGIT`.
    pub code: String,
    /// A specific Chinese sentence naming the field.
    pub message: String,
}

fn error(code: &str, element: &DataElement, why: impl std::fmt::Display) -> FieldError {
    FieldError {
        code: code.to_owned(),
        message: format!("{}：{why}", element.name),
    }
}

impl DataElement {
    /// Checks `raw`, typed on `today` (China time), and returns it in canonical form
    /// (NFC without invisible characters, trimmed, upper-case check characters, ISO
    /// dates, two-decimal money). `today` bounds birth dates in identity numbers.
    pub fn validate(&self, raw: &str, today: NaiveDate) -> Result<String, FieldError> {
        let normalized = match ids::text::normalize(raw, false) {
            Ok(text) => text,
            Err(ids::text::TextError::Empty) => return Err(error("FIELD_REQUIRED", self, "不能为空")),
            Err(ids::text::TextError::Bidi) => {
                return Err(error("FIELD_BIDI_CONTROL", self, "不能包含改变文字方向的控制字符"));
            }
            Err(ids::text::TextError::Control) => {
                return Err(error("FIELD_CONTROL_CHARACTER", self, "不能包含控制字符"));
            }
        };
        let value = normalized.as_str();
        if let Some(max) = self.max_length {
            let length = value.chars().count();
            if length > max {
                return Err(error(
                    "FIELD_TOO_LONG",
                    self,
                    format!("最多 {max} 个字，实际 {length} 个"),
                ));
            }
        }
        if value.chars().any(char::is_control) {
            return Err(error("FIELD_CONTROL_CHARACTER", self, "不能包含控制字符"));
        }
        match &self.element_type {
            ElementType::Text => Ok(value.to_owned()),
            ElementType::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|date| date.to_string())
                .map_err(|_| {
                    error(
                        "FIELD_DATE_INVALID",
                        self,
                        format!("“{value}”不是有效日期，应为 YYYY-MM-DD"),
                    )
                }),
            ElementType::Integer => value
                .parse::<i64>()
                .map(|n| n.to_string())
                .map_err(|_| error("FIELD_INTEGER_INVALID", self, format!("“{value}”不是整数"))),
            ElementType::Money => parse_money(value).ok_or_else(|| {
                error(
                    "FIELD_MONEY_INVALID",
                    self,
                    format!("“{value}”不是有效金额，应为不超过两位小数的非负数"),
                )
            }),
            ElementType::Boolean => match value {
                "true" | "是" => Ok("true".to_owned()),
                "false" | "否" => Ok("false".to_owned()),
                _ => Err(error("FIELD_BOOLEAN_INVALID", self, "应为“是”或“否”")),
            },
            ElementType::Phone => {
                if is_phone(value) {
                    Ok(value.to_owned())
                } else {
                    Err(error(
                        "FIELD_PHONE_INVALID",
                        self,
                        format!("“{value}”不是有效的电话号码（11位手机号或带区号的固定电话）"),
                    ))
                }
            }
            ElementType::IdNumber => {
                IdNumber::parse_on(value, today)
                    .map(|id| id.to_string())
                    .map_err(|e| FieldError {
                        code: format!("FIELD_{}", e.code()),
                        message: format!("{}：{e}", self.name),
                    })
            }
            ElementType::CreditCode => CreditCode::parse(value)
                .map(|code| code.to_string())
                .map_err(|e| FieldError {
                    code: format!("FIELD_{}", e.code()),
                    message: format!("{}：{e}", self.name),
                }),
            ElementType::Choice(options) => {
                if options.iter().any(|option| option == value) {
                    Ok(value.to_owned())
                } else {
                    Err(error(
                        "FIELD_CHOICE_INVALID",
                        self,
                        format!("“{value}”不是可选项（可选：{}）", options.join("、")),
                    ))
                }
            }
        }
    }
}

/// A mainland mobile number (11 digits from 1), a landline with its area code
/// (`0` + 2–3 digits, `-`, 7–8 digits, optionally `-` and an extension of 1–6 digits)
/// or a 400/800 service number (`400-xxx-xxxx`).
fn is_phone(value: &str) -> bool {
    let digits = |part: &str, min: usize, max: usize| {
        (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
    };
    if digits(value, 11, 11) {
        return value.starts_with('1');
    }
    let parts: Vec<&str> = value.split('-').collect();
    match parts.as_slice() {
        [area, number] => area.starts_with('0') && digits(area, 3, 4) && digits(number, 7, 8),
        [area, number, extension] if area.starts_with('0') => {
            digits(area, 3, 4) && digits(number, 7, 8) && digits(extension, 1, 6)
        }
        [prefix, middle, last] => (*prefix == "400" || *prefix == "800") && digits(middle, 3, 3) && digits(last, 4, 4),
        _ => false,
    }
}

fn parse_money(value: &str) -> Option<String> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 15
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 2
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(value.contains('.') && fraction.is_empty());
    ok.then(|| {
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        format!("{whole}.{fraction:0<2}")
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Sensitivity;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn element(element_type: ElementType) -> DataElement {
        DataElement {
            id: "x.y".into(),
            name: "字段".into(),
            element_type,
            max_length: Some(20),
            sensitivity: Sensitivity::Internal,
            source: "GA".into(),
            group: "g".into(),
            changes: None,
        }
    }

    /// The review typed invisible and malformed values that passed.
    #[test]
    fn invisible_and_malformed_values_are_refused() {
        let text = element(ElementType::Text);
        for raw in ["\u{200b}", "\u{feff}", "\u{3000}", " \u{200b} "] {
            assert_eq!(
                text.validate(raw, today()).unwrap_err().code,
                "FIELD_REQUIRED",
                "{raw:?}"
            );
        }
        assert_eq!(
            text.validate("\u{202e}abc", today()).unwrap_err().code,
            "FIELD_BIDI_CONTROL"
        );
        assert_eq!(text.validate("王\u{200b}芳", today()).unwrap(), "王芳");
        let phone = element(ElementType::Phone);
        for raw in [
            "-1",
            "-",
            "2026-02-30",
            "1-2",
            "010-",
            "0931-12345",
            "12345678901-",
            "400-1234-567",
        ] {
            assert_eq!(
                phone.validate(raw, today()).unwrap_err().code,
                "FIELD_PHONE_INVALID",
                "{raw:?}"
            );
        }
        for raw in [
            "13800138000",
            "0931-8123456",
            "010-62345678",
            "010-62345678-123",
            "400-810-8888",
        ] {
            assert_eq!(phone.validate(raw, today()).unwrap(), raw);
        }
        let id = element(ElementType::IdNumber);
        assert_eq!(
            id.validate("\u{feff}11010519491231002x", today()).unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn id_numbers_are_checked_and_explained() {
        let e = element(ElementType::IdNumber);
        assert_eq!(e.validate("11010519491231002x", today()).unwrap(), "11010519491231002X");
        let error = e.validate("110105194912310021", today()).unwrap_err();
        // A number whose holder would be born after today is refused with its reason.
        let future = e.validate("110105209912310010", today()).unwrap_err();
        assert_eq!(future.code, "FIELD_ID_NUMBER_BIRTH_DATE_FUTURE");
        assert!(future.message.contains("晚于今天"), "{}", future.message);
        assert!(error.code.contains("CHECK"), "{error:?}");
        assert!(error.message.starts_with("字段："));
    }

    #[test]
    fn money_dates_phones_and_choices() {
        assert_eq!(
            element(ElementType::Money).validate("0012.5", today()).unwrap(),
            "12.50"
        );
        assert!(element(ElementType::Money).validate("-1", today()).is_err());
        assert!(element(ElementType::Money).validate("1.234", today()).is_err());
        assert_eq!(
            element(ElementType::Date).validate("2026-02-28", today()).unwrap(),
            "2026-02-28"
        );
        assert_eq!(
            element(ElementType::Date)
                .validate("2026-02-30", today())
                .unwrap_err()
                .code,
            "FIELD_DATE_INVALID"
        );
        assert!(element(ElementType::Phone).validate("13800138000", today()).is_ok());
        assert!(element(ElementType::Phone).validate("1380013800", today()).is_err());
        let choice = element(ElementType::Choice(vec!["男".into(), "女".into()]));
        assert!(choice.validate("女", today()).is_ok());
        assert_eq!(
            choice.validate("未知", today()).unwrap_err().code,
            "FIELD_CHOICE_INVALID"
        );
        assert_eq!(
            element(ElementType::Text).validate("  ", today()).unwrap_err().code,
            "FIELD_REQUIRED"
        );
        assert_eq!(
            element(ElementType::Text)
                .validate(&"长".repeat(21), today())
                .unwrap_err()
                .code,
            "FIELD_TOO_LONG"
        );
    }
}
