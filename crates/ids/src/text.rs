//! Normalising what people type, before anything checks it.
//!
//! Text arrives from browsers, phones and department systems with invisible
//! characters: zero-width spaces and joiners, byte-order marks, bidirectional
//! overrides (`U+202E` makes what follows display reversed). [`normalize`] puts text in Unicode
//! NFC, drops the invisible formatting characters, trims every kind of white space
//! (the ideographic space `U+3000` included) and refuses bidirectional controls and
//! other control characters, so "required" means something visible was given and a
//! value looks like what it is.

use unicode_normalization::UnicodeNormalization;

/// Why a text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Nothing visible is left.
    #[error("不能为空")]
    Empty,
    /// A bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
    #[error("不能包含改变文字方向的控制字符")]
    Bidi,
    /// A control character other than a line break where line breaks are allowed.
    #[error("不能包含控制字符")]
    Control,
}

impl TextError {
    /// A stable code for machines.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "TEXT_EMPTY",
            Self::Bidi => "TEXT_BIDI_CONTROL",
            Self::Control => "TEXT_CONTROL_CHARACTER",
        }
    }
}

/// Invisible formatting characters that carry no meaning in our texts: dropped.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' // zero-width space
            | '\u{200C}' // zero-width non-joiner
            | '\u{200D}' // zero-width joiner
            | '\u{2060}' // word joiner
            | '\u{FEFF}' // byte-order mark / zero-width no-break space
            | '\u{00AD}' // soft hyphen
            | '\u{180E}' // Mongolian vowel separator (formerly a space)
    )
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The text in NFC without invisible formatting characters, trimmed; line breaks are
/// kept only when `multiline`. Refuses empty results, bidirectional controls and
/// other control characters.
pub fn normalize(raw: &str, multiline: bool) -> Result<String, TextError> {
    let mut out = String::with_capacity(raw.len());
    for c in raw.nfc() {
        if is_invisible(c) {
            continue;
        }
        if is_bidi_control(c) {
            return Err(TextError::Bidi);
        }
        if c == '\r' {
            continue;
        }
        if c.is_control() && !(multiline && c == '\n') {
            return Err(TextError::Control);
        }
        out.push(c);
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn invisible_only_is_empty() {
        for raw in ["\u{200B}", "\u{FEFF}", " \u{3000} ", "\u{200B}\u{FEFF}\u{2060}", ""] {
            assert_eq!(normalize(raw, false), Err(TextError::Empty), "{raw:?}");
        }
    }

    #[test]
    fn bidi_controls_are_refused() {
        for raw in ["\u{202E}abc", "王\u{2066}芳", "x\u{200F}"] {
            assert_eq!(normalize(raw, false), Err(TextError::Bidi), "{raw:?}");
        }
    }

    #[test]
    fn visible_text_is_kept_in_nfc_and_trimmed() {
        assert_eq!(normalize("\u{3000}王\u{200B}芳 ", false).unwrap(), "王芳");
        // "é" as e + combining acute becomes one code point.
        assert_eq!(normalize("Jose\u{301}", false).unwrap(), "José");
        assert_eq!(normalize("一\r\n二", true).unwrap(), "一\n二");
        assert_eq!(normalize("一\n二", false), Err(TextError::Control));
        assert_eq!(normalize("a\u{0}b", true), Err(TextError::Control));
    }
}
