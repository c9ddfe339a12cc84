//! 一件事标识: the slug naming a "one thing" (高效办成一件事) bundle.

/// Minimum number of characters.
const MIN_LEN: usize = 2;
/// Maximum number of characters.
const MAX_LEN: usize = 48;

/// A valid one-thing identifier: matches `^[a-z][a-z0-9-]{1,47}$`, does not
/// end with `-` and does not contain `--`. Example: `newborn`,
/// `business-startup`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OneThingId(String);

/// Why a string is not a valid [`OneThingId`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OneThingIdError {
    /// Fewer than 2 or more than 48 characters.
    #[error("一件事标识长度应为2至48个字符，实际为{actual}个")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// The first character is not a lower-case ASCII letter.
    #[error("一件事标识必须以小写字母开头，实际以“{found}”开头")]
    Start {
        /// The first character.
        found: char,
    },
    /// A character outside `a-z`, `0-9`, `-`.
    #[error("一件事标识第{position}个字符“{found}”不合法，只能使用小写字母、数字和连字符“-”")]
    InvalidChar {
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Two hyphens in a row.
    #[error("一件事标识不能包含连续的连字符“--”（第{position}个字符处）")]
    DoubleHyphen {
        /// 1-based position of the second hyphen.
        position: usize,
    },
    /// The last character is a hyphen.
    #[error("一件事标识不能以连字符“-”结尾")]
    TrailingHyphen,
}

impl OneThingIdError {
    /// A stable, machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "ONE_THING_ID_LENGTH",
            Self::Start { .. } => "ONE_THING_ID_START",
            Self::InvalidChar { .. } => "ONE_THING_ID_CHAR",
            Self::DoubleHyphen { .. } => "ONE_THING_ID_DOUBLE_HYPHEN",
            Self::TrailingHyphen => "ONE_THING_ID_TRAILING_HYPHEN",
        }
    }
}

impl OneThingId {
    /// Parses and validates a one-thing identifier.
    pub fn parse(input: &str) -> Result<Self, OneThingIdError> {
        let count = input.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&count) {
            return Err(OneThingIdError::Length { actual: count });
        }
        let mut previous = None;
        for (i, c) in input.chars().enumerate() {
            if i == 0 {
                if !c.is_ascii_lowercase() {
                    return Err(OneThingIdError::Start { found: c });
                }
            } else if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                return Err(OneThingIdError::InvalidChar {
                    position: i + 1,
                    found: c,
                });
            }
            if c == '-' && previous == Some('-') {
                return Err(OneThingIdError::DoubleHyphen { position: i + 1 });
            }
            previous = Some(c);
        }
        if previous == Some('-') {
            return Err(OneThingIdError::TrailingHyphen);
        }
        Ok(Self(input.to_owned()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_identifier!(
    OneThingId,
    OneThingIdError,
    "a one-thing identifier (一件事标识) such as newborn"
);
