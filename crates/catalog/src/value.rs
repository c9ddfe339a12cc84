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
    /// Checks `raw` and returns it in canonical form (trimmed, upper-case check
    /// characters, ISO dates, two-decimal money).
    pub fn validate(&self, raw: &str) -> Result<String, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(error("FIELD_REQUIRED", self, "不能为空"));
        }
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
                let digits_ok =
                    value.len() == 11 && value.starts_with('1') && value.bytes().all(|b| b.is_ascii_digit());
                let landline_ok =
                    value.len() <= 20 && value.contains('-') && value.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                if digits_ok || landline_ok {
                    Ok(value.to_owned())
                } else {
                    Err(error(
                        "FIELD_PHONE_INVALID",
                        self,
                        format!("“{value}”不是有效的电话号码（11位手机号或带区号的固定电话）"),
                    ))
                }
            }
            ElementType::IdNumber => IdNumber::parse(value).map(|id| id.to_string()).map_err(|e| FieldError {
                code: format!("FIELD_{}", e.code()),
                message: format!("{}：{e}", self.name),
            }),
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

    fn element(element_type: ElementType) -> DataElement {
        DataElement {
            id: "x.y".into(),
            name: "字段".into(),
            element_type,
            max_length: Some(20),
            sensitivity: Sensitivity::Internal,
            source: "GA".into(),
            group: "g".into(),
        }
    }

    #[test]
    fn id_numbers_are_checked_and_explained() {
        let e = element(ElementType::IdNumber);
        assert_eq!(e.validate("11010519491231002x").unwrap(), "11010519491231002X");
        let error = e.validate("110105194912310021").unwrap_err();
        assert!(error.code.contains("CHECK"), "{error:?}");
        assert!(error.message.starts_with("字段："));
    }

    #[test]
    fn money_dates_phones_and_choices() {
        assert_eq!(element(ElementType::Money).validate("0012.5").unwrap(), "12.50");
        assert!(element(ElementType::Money).validate("-1").is_err());
        assert!(element(ElementType::Money).validate("1.234").is_err());
        assert_eq!(element(ElementType::Date).validate("2026-02-28").unwrap(), "2026-02-28");
        assert_eq!(
            element(ElementType::Date).validate("2026-02-30").unwrap_err().code,
            "FIELD_DATE_INVALID"
        );
        assert!(element(ElementType::Phone).validate("13800138000").is_ok());
        assert!(element(ElementType::Phone).validate("1380013800").is_err());
        let choice = element(ElementType::Choice(vec!["男".into(), "女".into()]));
        assert!(choice.validate("女").is_ok());
        assert_eq!(choice.validate("未知").unwrap_err().code, "FIELD_CHOICE_INVALID");
        assert_eq!(
            element(ElementType::Text).validate("  ").unwrap_err().code,
            "FIELD_REQUIRED"
        );
        assert_eq!(
            element(ElementType::Text).validate(&"长".repeat(21)).unwrap_err().code,
            "FIELD_TOO_LONG"
        );
    }
}
