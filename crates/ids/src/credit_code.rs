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
/// Guarantees: exactly 18 characters from [`CREDIT_CODE_CHARSET`]; position 1 is a
/// registration authority of GB 32100 and position 2 one of its organization types;
/// positions 3–8 are a GB/T 2260 division code (or `100000` for a national
/// registrar); positions 9–17 are an organization code whose last character is its
/// GB 11714 check character; and position 18 is the correct GB 32100-2015 check
/// character. Lower-case letters are accepted and
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
    /// Position 1 is not a registration authority of GB 32100.
    #[error("统一社会信用代码第1位（登记管理部门码）“{found}”不存在，应为1–9、A、N或Y")]
    RegistrationAuthority {
        /// The character found.
        found: char,
    },
    /// Position 2 is not an organization type of that registration authority.
    #[error("统一社会信用代码第2位（机构类别码）“{found}”不是{authority}登记的机构类别，可为：{allowed}")]
    OrganizationType {
        /// The registration authority's name.
        authority: &'static str,
        /// The character found.
        found: char,
        /// The types that authority registers, e.g. `1 企业、2 个体工商户、3 农民专业合作社`.
        allowed: String,
    },
    /// Positions 3–8 are six digits but no division code of GB/T 2260.
    #[error("统一社会信用代码第3至8位（登记管理机关行政区划码）“{found}”不是行政区划代码（GB/T 2260）")]
    AreaCodeUnknown {
        /// The six digits found.
        found: String,
    },
    /// Position 17 is not the GB 11714 check character of positions 9–16.
    #[error("统一社会信用代码第9至17位（组织机构代码）的校验码错误：第17位应为{expected}，实际为{found}（GB 11714）")]
    OrganizationCheck {
        /// The check character computed from positions 9–16.
        expected: char,
        /// The character in position 17.
        found: char,
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
            Self::AreaCode { .. } | Self::AreaCodeUnknown { .. } => "CREDIT_CODE_AREA_CODE",
            Self::RegistrationAuthority { .. } => "CREDIT_CODE_REGISTRATION_AUTHORITY",
            Self::OrganizationType { .. } => "CREDIT_CODE_ORGANIZATION_TYPE",
            Self::OrganizationCheck { .. } => "CREDIT_CODE_ORGANIZATION_CHECK",
            Self::CheckDigit { .. } => "CREDIT_CODE_CHECK_DIGIT",
        }
    }
}

/// A registration authority of GB 32100 (position 1): its code, its name and the
/// organization types it registers (position 2) with their names.
pub type RegistrationAuthority = (char, &'static str, &'static [(char, &'static str)]);

/// The registration authorities of GB 32100 with the organization types each registers.
pub const REGISTRATION_AUTHORITIES: [RegistrationAuthority; 12] = [
    (
        '1',
        "机构编制部门",
        &[
            ('1', "机关"),
            ('2', "事业单位"),
            ('3', "中央编办直接管理机构编制的群众团体"),
            ('9', "其他"),
        ],
    ),
    ('2', "外交部门", &[('1', "外国常驻新闻机构"), ('9', "其他")]),
    (
        '3',
        "司法行政部门",
        &[
            ('1', "律师执业机构"),
            ('2', "公证处"),
            ('3', "基层法律服务所"),
            ('4', "司法鉴定机构"),
            ('5', "仲裁委员会"),
            ('9', "其他"),
        ],
    ),
    ('4', "文化部门", &[('1', "外国在华文化中心"), ('9', "其他")]),
    (
        '5',
        "民政部门",
        &[
            ('1', "社会团体"),
            ('2', "民办非企业单位"),
            ('3', "基金会"),
            ('9', "其他"),
        ],
    ),
    (
        '6',
        "旅游部门",
        &[
            ('1', "外国旅游部门常驻代表机构"),
            ('2', "港澳台地区旅游部门常驻内地（大陆）代表机构"),
            ('9', "其他"),
        ],
    ),
    (
        '7',
        "宗教事务部门",
        &[('1', "宗教活动场所"), ('2', "宗教院校"), ('9', "其他")],
    ),
    ('8', "工会", &[('1', "基层工会"), ('9', "其他")]),
    (
        '9',
        "市场监督管理部门（工商）",
        &[('1', "企业"), ('2', "个体工商户"), ('3', "农民专业合作社")],
    ),
    ('A', "中央军委改革和编制办公室", &[('1', "军队事业单位"), ('9', "其他")]),
    (
        'N',
        "农业农村部门",
        &[
            ('1', "组级集体经济组织"),
            ('2', "村级集体经济组织"),
            ('3', "乡镇级集体经济组织"),
            ('9', "其他"),
        ],
    ),
    ('Y', "其他登记管理部门", &[('1', "其他")]),
];

/// GB 11714 weights for the eight body characters of an organization code.
const ORGANIZATION_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11714 check character of an organization code's eight body characters
/// (digits and upper-case letters, a letter counting 10 for A to 35 for Z):
/// `11 − (Σ mod 11)`, with 10 written as `X` and 11 as `0`. `None` unless `body` is
/// eight such characters. For generators and fixtures.
pub fn organization_check_char(body: &str) -> Option<char> {
    let values: Vec<u32> = body
        .chars()
        .map(|c| c.to_ascii_uppercase().to_digit(36))
        .collect::<Option<_>>()?;
    if values.len() != ORGANIZATION_WEIGHTS.len() {
        return None;
    }
    let sum: u32 = values.iter().zip(ORGANIZATION_WEIGHTS).map(|(v, w)| v * w).sum();
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    })
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
        let authority = chars.first().copied().unwrap_or_default();
        let Some((_, authority_name, types)) = REGISTRATION_AUTHORITIES.iter().find(|(code, _, _)| *code == authority)
        else {
            return Err(CreditCodeError::RegistrationAuthority { found: authority });
        };
        let kind = chars.get(1).copied().unwrap_or_default();
        if !types.iter().any(|(code, _)| *code == kind) {
            return Err(CreditCodeError::OrganizationType {
                authority: authority_name,
                found: kind,
                allowed: types
                    .iter()
                    .map(|(code, name)| format!("{code} {name}"))
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        }
        let area = &text[2..8];
        if !area.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditCodeError::AreaCode { found: area.to_owned() });
        }
        if area != crate::region::NATIONAL_REGISTRAR_AREA && crate::region::region(area).is_none() {
            return Err(CreditCodeError::AreaCodeUnknown { found: area.to_owned() });
        }
        let expected = check_char_of_values(values.iter().take(LEN - 1).copied());
        let found = chars.get(LEN - 1).copied().unwrap_or_default();
        if expected != found {
            return Err(CreditCodeError::CheckDigit { expected, found });
        }
        let organization_expected = organization_check_char(&text[8..16]).unwrap_or('?');
        let organization_found = chars.get(16).copied().unwrap_or_default();
        if organization_expected != organization_found {
            return Err(CreditCodeError::OrganizationCheck {
                expected: organization_expected,
                found: organization_found,
            });
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
