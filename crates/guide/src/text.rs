//! What search does to text before comparing it: the query refused or normalised,
//! Han runs split out, pinyin of a character.

use pinyin::ToPinyin;

/// The longest query search accepts, in characters. A question or description is
/// longer than any phrase the catalog knows; past this it is a letter, not a query.
pub const MAX_QUERY_CHARS: usize = 100;

/// The longest description the intake accepts, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Why a text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("请输入要办的事")]
    Empty,
    #[error("输入过长：最多 {max} 个字")]
    TooLong { max: usize },
    #[error("输入含有控制字符或改变文字方向的字符")]
    Control,
}

impl QueryError {
    /// The stable code of `app::error` for this refusal.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "E_QUERY_EMPTY",
            Self::TooLong { .. } => "E_QUERY_TOO_LONG",
            Self::Control => "E_QUERY_INVALID",
        }
    }
}

/// The text as search compares it: NFC, no invisible characters, full-width ASCII
/// folded to half-width, lower case, runs of white space as one space. Refuses empty
/// text, text longer than `max_chars`, and control or bidirectional characters.
pub fn normalize(raw: &str, max_chars: usize, multiline: bool) -> Result<String, QueryError> {
    let text = ids::text::normalize(raw, multiline).map_err(|error| match error {
        ids::text::TextError::Empty => QueryError::Empty,
        ids::text::TextError::Bidi | ids::text::TextError::Control => QueryError::Control,
    })?;
    if text.chars().count() > max_chars {
        return Err(QueryError::TooLong { max: max_chars });
    }
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let c = match c {
            // Full-width ASCII (Ａ, １, ？) as typed by Chinese input methods.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if c.is_whitespace() && c != '\n' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    Ok(out)
}

/// Whether `c` is a Han character (CJK unified ideographs and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The pinyin of a Han character without tone (`卡` → `ka`); the character itself
/// for anything else, so that non-Han text compares as itself.
pub fn plain_pinyin(c: char) -> String {
    match c.to_pinyin() {
        Some(pinyin) => pinyin.plain().to_owned(),
        None => c.to_string(),
    }
}

/// The pinyin of each character of `word` joined by spaces: the key under which
/// homophones (社保咔, 社保卡) meet.
pub fn pinyin_key(word: &str) -> String {
    word.chars().map(plain_pinyin).collect::<Vec<_>>().join(" ")
}

/// The pinyin initials of `word` (`企业开办` → `qykb`), or `None` when a character
/// has no pinyin (digits, Latin letters, punctuation).
pub fn pinyin_initials(word: &str) -> Option<String> {
    word.chars()
        .map(|c| c.to_pinyin().map(|pinyin| pinyin.first_letter().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn normalize_folds_width_and_case_and_refuses_bad_input() {
        assert_eq!(normalize("  ＱＹＫＢ　社保卡 ", 100, false).unwrap(), "qykb 社保卡");
        assert_eq!(normalize("   ", 100, false), Err(QueryError::Empty));
        assert_eq!(normalize("社保\u{0007}卡", 100, false), Err(QueryError::Control));
        assert_eq!(normalize("社保\u{202E}卡", 100, false), Err(QueryError::Control));
        let long = "办".repeat(101);
        assert_eq!(normalize(&long, 100, false), Err(QueryError::TooLong { max: 100 }));
        assert!(normalize(&"办".repeat(100), 100, false).is_ok());
    }

    #[test]
    fn pinyin_keys_make_homophones_equal() {
        assert_eq!(pinyin_key("社保咔"), pinyin_key("社保卡"));
        assert_eq!(pinyin_key("户口签移"), pinyin_key("户口迁移"));
        assert_ne!(pinyin_key("社保卡"), pinyin_key("社保局"));
        assert_eq!(pinyin_initials("企业开办").as_deref(), Some("qykb"));
        assert_eq!(pinyin_initials("3600元"), None);
    }
}
