//! 统一社会信用代码 (unified social credit identifier), GB 32100-2015.

/// Number of characters in a unified social credit code.
const LEN: usize = 18;

/// The 31 characters a unified social credit code may use, in value order:
/// a character's value is its index in this string. The letters I, O, S, V
/// and Z are excluded.
pub const CREDIT_CODE_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights for positions 1..=17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Letters the standard leaves out of the character set.
const FORBIDDEN_LETTERS: [char; 5] = ['I', 'O', 'S', 'V', 'Z'];

/// A valid 统一社会信用代码.
///
/// Guarantees: exactly 18 characters from [`CREDIT_CODE_CHARSET`], positions
/// 3–8 (administrative division code) are digits, and position 18 is the
/// correct GB 32100-2015 check character. Lower-case letters are accepted and
/// normalized to upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

/// Why a string is not a valid [`CreditCode`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreditCodeError {
    /// The input does not have 18 characters.
    #[error("统一社会信用代码应为18位，实际为{actual}位")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// The input contains one of the excluded letters I, O, S, V, Z.
    #[error("统一社会信用代码不能包含字母{letter}（第{position}位）")]
    ForbiddenLetter {
        /// The excluded letter (upper case).
        letter: char,
        /// 1-based character position.
        position: usize,
    },
    /// The input contains a character outside the 31-character set.
    #[error("统一社会信用代码第{position}位包含非法字符“{found}”，只能使用数字和除I、O、S、V、Z以外的大写字母")]
    InvalidChar {
        /// The offending character.
        found: char,
        /// 1-based character position.
        position: usize,
    },
    /// Positions 3–8 are not all digits.
    #[error("统一社会信用代码第3至8位（登记管理机关行政区划码）应为6位数字，实际为“{found}”")]
    AreaCode {
        /// The six characters found.
        found: String,
    },
    /// The check character does not match the first 17 characters.
    #[error("统一社会信用代码校验码错误：应为{expected}，实际为{found}")]
    CheckDigit {
        /// The check character computed from the first 17 characters.
        expected: char,
        /// The check character in the input.
        found: char,
    },
}

impl CreditCodeError {
    /// A stable, machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "CREDIT_CODE_LENGTH",
            Self::ForbiddenLetter { .. } => "CREDIT_CODE_FORBIDDEN_LETTER",
            Self::InvalidChar { .. } => "CREDIT_CODE_INVALID_CHAR",
            Self::AreaCode { .. } => "CREDIT_CODE_AREA_CODE",
            Self::CheckDigit { .. } => "CREDIT_CODE_CHECK_DIGIT",
        }
    }
}

/// Value of an (upper-case) character in the code set, if it belongs to it.
fn char_value(c: char) -> Option<u32> {
    CREDIT_CODE_CHARSET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// Character of a value in 0..31.
fn value_char(v: u32) -> char {
    CREDIT_CODE_CHARSET
        .as_bytes()
        .get(v as usize)
        .map(|&b| char::from(b))
        .unwrap_or('?')
}

/// Check character from the values of the first 17 characters.
fn check_char_of_values(values: impl Iterator<Item = u32>) -> char {
    let sum: u32 = values.zip(WEIGHTS).map(|(v, w)| v * w).sum();
    // 31 − (Σ mod 31) is in 1..=31; the value 31 is written as 0.
    value_char((31 - sum % 31) % 31)
}

/// Computes the GB 32100-2015 check character for the first 17 characters of
/// a unified social credit code. Lower-case letters are treated as upper case.
/// Returns `None` unless `first17` is exactly 17 characters from
/// [`CREDIT_CODE_CHARSET`]. Intended for generators and test fixtures.
pub fn credit_check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17
        .chars()
        .map(|c| char_value(c.to_ascii_uppercase()))
        .collect::<Option<_>>()?;
    if values.len() != LEN - 1 {
        return None;
    }
    Some(check_char_of_values(values.into_iter()))
}

impl CreditCode {
    /// Parses and validates a unified social credit code.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let chars: Vec<char> = input.chars().map(|c| c.to_ascii_uppercase()).collect();
        if chars.len() != LEN {
            return Err(CreditCodeError::Length { actual: chars.len() });
        }
        let mut values = [0u32; LEN];
        for (i, (&c, slot)) in chars.iter().zip(values.iter_mut()).enumerate() {
            if FORBIDDEN_LETTERS.contains(&c) {
                return Err(CreditCodeError::ForbiddenLetter {
                    letter: c,
                    position: i + 1,
                });
            }
            *slot = char_value(c).ok_or(CreditCodeError::InvalidChar {
                found: c,
                position: i + 1,
            })?;
        }
        // All characters are ASCII from here on.
        let text: String = chars.iter().collect();
        let area = &text[2..8];
        if !area.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditCodeError::AreaCode { found: area.to_owned() });
        }
        let expected = check_char_of_values(values.iter().take(LEN - 1).copied());
        let found = chars.get(LEN - 1).copied().unwrap_or_default();
        if expected != found {
            return Err(CreditCodeError::CheckDigit { expected, found });
        }
        Ok(Self(text))
    }

    /// The normalized (upper-case) code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: registration authority code (登记管理部门代码),
    /// e.g. `9` for market regulation, `1` for institutional establishment.
    pub fn registration_authority_code(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: organization type code (机构类别代码).
    pub fn organization_type_code(&self) -> char {
        self.char_at(1)
    }

    /// Positions 3–8: administrative division code of the registration
    /// authority (登记管理机关行政区划码), always six digits.
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the organization code (主体标识码/组织机构代码).
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Position 18: the check character.
    pub fn check_char(&self) -> char {
        self.char_at(LEN - 1)
    }

    fn char_at(&self, index: usize) -> char {
        self.0.as_bytes().get(index).map(|&b| char::from(b)).unwrap_or_default()
    }
}

string_identifier!(
    CreditCode,
    CreditCodeError,
    "a unified social credit code (统一社会信用代码)"
);
