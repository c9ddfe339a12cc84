//! 公民身份号码 (resident identity card number), GB 11643-1999.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Number of characters in a citizen identity number.
const LEN: usize = 18;

/// ISO 7064 MOD 11-2 weights for positions 1..=17 (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for each value of `Σ(digit × weight) mod 11`.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest accepted birth year.
const MIN_BIRTH_YEAR: i32 = 1900;

/// A valid 公民身份号码 (18-character citizen identity number).
///
/// Guarantees: exactly 18 characters, the first 17 are ASCII digits, the first
/// six digits are an administrative division code of GB/T 2260 that was still in
/// force when the holder was born (see [`crate::region`]), digits 7–14 are an
/// existing date in or after 1900, and the 18th character is the correct
/// ISO 7064 MOD 11-2 check character. [`IdNumber::parse_on`] also refuses a birth
/// date after the given day: use it for everything people type. A lower-case `x` check character is
/// accepted and stored as `X`. Whitespace is never trimmed: it is an error.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber {
    text: String,
    birth_date: NaiveDate,
}

/// Sex encoded by the parity of the sequence code (odd = male, even = female).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// The Chinese label: "男" or "女".
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Why a string is not a valid [`IdNumber`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdNumberError {
    /// The input is empty.
    #[error("公民身份号码不能为空")]
    Empty,
    /// The input contains a whitespace character (never trimmed silently).
    #[error("公民身份号码第{position}位是空白字符，号码中不能包含空格、换行等空白字符")]
    Whitespace {
        /// 1-based character position.
        position: usize,
    },
    /// The input does not have 18 characters.
    #[error("公民身份号码应为18位，实际为{actual}位")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// One of the first 17 characters is not a digit.
    #[error("公民身份号码第{position}位应为数字，实际为“{found}”")]
    NotDigit {
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The 18th character is neither a digit nor `X`.
    #[error("公民身份号码第18位（校验码）应为数字或X，实际为“{found}”")]
    CheckCharInvalid {
        /// The offending character.
        found: char,
    },
    /// The first two digits are not a province-level division code.
    #[error("公民身份号码前两位“{code}”不是有效的省级行政区划代码")]
    AreaCode {
        /// The two-digit province code found.
        code: String,
    },
    /// The first six digits are not a division code GB/T 2260 has ever listed.
    #[error("公民身份号码前六位“{code}”不是行政区划代码（GB/T 2260），请核对地址码")]
    AreaCodeUnknown {
        /// The six digits found.
        code: String,
    },
    /// The division code was withdrawn before the holder was born.
    #[error("公民身份号码前六位“{code}”（{name}）{until}年后已停用，{birth_year}年出生的人不会使用这个地址码")]
    AreaCodeWithdrawn {
        /// The six digits found.
        code: String,
        /// The division's name.
        name: String,
        /// The last year the code was in force.
        until: i32,
        /// The birth year in the number.
        birth_year: i32,
    },
    /// The birth date is after the day the number is checked on.
    #[error("出生日期{date}晚于今天，不是有效的公民身份号码出生日期")]
    BirthDateInFuture {
        /// The eight digits `YYYYMMDD` as written.
        date: String,
    },
    /// Digits 7–14 are not an existing calendar date.
    #[error("出生日期{date}不存在")]
    BirthDateInvalid {
        /// The eight digits `YYYYMMDD` as written.
        date: String,
    },
    /// The birth date is before 1900-01-01.
    #[error("出生日期{date}早于1900年，不是有效的公民身份号码出生日期")]
    BirthDateTooEarly {
        /// The eight digits `YYYYMMDD` as written.
        date: String,
    },
    /// The check character does not match the first 17 digits.
    #[error("公民身份号码校验码错误：应为{expected}，实际为{found}")]
    CheckDigit {
        /// The check character computed from the first 17 digits.
        expected: char,
        /// The check character in the input.
        found: char,
    },
}

impl IdNumberError {
    /// A stable, machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "ID_NUMBER_EMPTY",
            Self::Whitespace { .. } => "ID_NUMBER_WHITESPACE",
            Self::Length { .. } => "ID_NUMBER_LENGTH",
            Self::NotDigit { .. } => "ID_NUMBER_NOT_DIGIT",
            Self::CheckCharInvalid { .. } => "ID_NUMBER_CHECK_CHAR",
            Self::AreaCode { .. } | Self::AreaCodeUnknown { .. } => "ID_NUMBER_AREA_CODE",
            Self::AreaCodeWithdrawn { .. } => "ID_NUMBER_AREA_CODE_WITHDRAWN",
            Self::BirthDateInFuture { .. } => "ID_NUMBER_BIRTH_DATE_FUTURE",
            Self::BirthDateInvalid { .. } => "ID_NUMBER_BIRTH_DATE",
            Self::BirthDateTooEarly { .. } => "ID_NUMBER_BIRTH_DATE_RANGE",
            Self::CheckDigit { .. } => "ID_NUMBER_CHECK_DIGIT",
        }
    }
}

/// Whether `code` (two ASCII digits) is a province-level division code of
/// GB/T 2260: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82.
pub fn is_valid_province_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = digits_value(bytes);
    matches!(
        n,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82
    )
}

/// Computes the GB 11643-1999 check character for the first 17 digits of a
/// citizen identity number. Returns `None` unless `first17` is exactly 17
/// ASCII digits. Intended for generators and test fixtures.
pub fn id_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != LEN - 1 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(check_char_of_digits(bytes))
}

/// `digits` must be 17 ASCII digits.
fn check_char_of_digits(digits: &[u8]) -> char {
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    // `sum % 11` is always in 0..=10, so the lookup cannot miss.
    CHECK_CHARS.get((sum % 11) as usize).copied().unwrap_or('?')
}

/// Decimal value of a run of ASCII digits (caller guarantees digits only).
fn digits_value(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

impl IdNumber {
    /// Parses and validates a citizen identity number.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        if input.is_empty() {
            return Err(IdNumberError::Empty);
        }
        if let Some(position) = input.chars().position(char::is_whitespace) {
            return Err(IdNumberError::Whitespace { position: position + 1 });
        }
        let chars: Vec<char> = input.chars().collect();
        if chars.len() != LEN {
            return Err(IdNumberError::Length { actual: chars.len() });
        }
        for (i, &c) in chars.iter().take(LEN - 1).enumerate() {
            if !c.is_ascii_digit() {
                return Err(IdNumberError::NotDigit {
                    position: i + 1,
                    found: c,
                });
            }
        }
        let last = chars.get(LEN - 1).copied().unwrap_or_default();
        let check = match last {
            '0'..='9' | 'X' => last,
            'x' => 'X',
            other => return Err(IdNumberError::CheckCharInvalid { found: other }),
        };

        // From here on the input is known to be 18 ASCII characters, so byte
        // offsets equal character positions.
        let bytes = input.as_bytes();
        let province = &input[0..2];
        if !is_valid_province_code(province) {
            return Err(IdNumberError::AreaCode {
                code: province.to_owned(),
            });
        }

        let date_text = &input[6..14];
        let year = digits_value(&bytes[6..10]);
        let month = digits_value(&bytes[10..12]);
        let day = digits_value(&bytes[12..14]);
        // `year` has at most four digits, so it always fits in an i32.
        let year = i32::try_from(year).unwrap_or(i32::MAX);
        let birth_date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| IdNumberError::BirthDateInvalid {
            date: date_text.to_owned(),
        })?;
        if year < MIN_BIRTH_YEAR {
            return Err(IdNumberError::BirthDateTooEarly {
                date: date_text.to_owned(),
            });
        }
        let area = &input[0..6];
        match crate::region::region(area) {
            None => return Err(IdNumberError::AreaCodeUnknown { code: area.to_owned() }),
            Some(region) if !region.in_force_for_birth_year(year) => {
                return Err(IdNumberError::AreaCodeWithdrawn {
                    code: area.to_owned(),
                    name: region.name.to_owned(),
                    until: region.until.unwrap_or(year),
                    birth_year: year,
                });
            }
            Some(_) => {}
        }

        let expected = check_char_of_digits(&bytes[..LEN - 1]);
        if expected != check {
            return Err(IdNumberError::CheckDigit { expected, found: last });
        }

        let mut text = String::with_capacity(LEN);
        text.push_str(&input[..LEN - 1]);
        text.push(check);
        Ok(Self { text, birth_date })
    }

    /// Parses a number someone typed on `today` (China time): as [`IdNumber::parse`],
    /// and the birth date must not be after `today`.
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let id = Self::parse(input)?;
        if id.birth_date > today {
            return Err(IdNumberError::BirthDateInFuture {
                date: id.birth_date.format("%Y%m%d").to_string(),
            });
        }
        Ok(id)
    }

    /// The name of the division in the first six digits (GB/T 2260), e.g. 朝阳区.
    pub fn area_name(&self) -> &'static str {
        crate::region::region(self.area_code())
            .map(|r| r.name)
            .unwrap_or_default()
    }

    /// The normalized number (check character `X` in upper case).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The 6-digit administrative division code (地址码), positions 1–6.
    pub fn area_code(&self) -> &str {
        &self.text[0..6]
    }

    /// The date of birth encoded in positions 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The 3-digit sequence code (顺序码), positions 15–17.
    pub fn sequence_code(&self) -> &str {
        &self.text[14..17]
    }

    /// Sex from the parity of the sequence code: odd = male, even = female.
    pub fn sex(&self) -> Sex {
        let odd = self.text.as_bytes().get(16).is_some_and(|d| (d - b'0') % 2 == 1);
        if odd { Sex::Male } else { Sex::Female }
    }

    /// The check character (position 18): a digit or `X`.
    pub fn check_char(&self) -> char {
        self.text.chars().last().unwrap_or_default()
    }
}

string_identifier!(IdNumber, IdNumberError, "a citizen identity number (公民身份号码)");
