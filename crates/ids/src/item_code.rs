//! 事项编码 (government service item code), e.g. `XK00001001`.

use serde::{Deserialize, Serialize};

/// Number of characters in an item code.
const LEN: usize = 10;

/// The kind of a government service item, encoded by the two-letter prefix of
/// an [`ItemCode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ItemKind {
    /// XK 行政许可
    #[serde(rename = "XK")]
    Licensing,
    /// QR 行政确认
    #[serde(rename = "QR")]
    Confirmation,
    /// JF 行政给付
    #[serde(rename = "JF")]
    Payment,
    /// ZS 行政征收
    #[serde(rename = "ZS")]
    Levy,
    /// CJ 行政裁决
    #[serde(rename = "CJ")]
    Adjudication,
    /// JL 行政奖励
    #[serde(rename = "JL")]
    Reward,
    /// QT 其他行政权力
    #[serde(rename = "QT")]
    OtherPower,
    /// GG 公共服务
    #[serde(rename = "GG")]
    PublicService,
    /// CF 行政处罚
    #[serde(rename = "CF")]
    Penalty,
    /// QZ 行政强制
    #[serde(rename = "QZ")]
    Enforcement,
}

impl ItemKind {
    /// Every kind, in the order of the item catalogue standard.
    pub const ALL: [ItemKind; 10] = [
        ItemKind::Licensing,
        ItemKind::Confirmation,
        ItemKind::Payment,
        ItemKind::Levy,
        ItemKind::Adjudication,
        ItemKind::Reward,
        ItemKind::OtherPower,
        ItemKind::PublicService,
        ItemKind::Penalty,
        ItemKind::Enforcement,
    ];

    /// The two-letter prefix, e.g. `"XK"`.
    pub fn prefix(self) -> &'static str {
        match self {
            ItemKind::Licensing => "XK",
            ItemKind::Confirmation => "QR",
            ItemKind::Payment => "JF",
            ItemKind::Levy => "ZS",
            ItemKind::Adjudication => "CJ",
            ItemKind::Reward => "JL",
            ItemKind::OtherPower => "QT",
            ItemKind::PublicService => "GG",
            ItemKind::Penalty => "CF",
            ItemKind::Enforcement => "QZ",
        }
    }

    /// The Chinese name, e.g. `"行政许可"`.
    pub fn name_zh(self) -> &'static str {
        match self {
            ItemKind::Licensing => "行政许可",
            ItemKind::Confirmation => "行政确认",
            ItemKind::Payment => "行政给付",
            ItemKind::Levy => "行政征收",
            ItemKind::Adjudication => "行政裁决",
            ItemKind::Reward => "行政奖励",
            ItemKind::OtherPower => "其他行政权力",
            ItemKind::PublicService => "公共服务",
            ItemKind::Penalty => "行政处罚",
            ItemKind::Enforcement => "行政强制",
        }
    }

    /// The kind for an exact (upper-case) prefix.
    pub fn from_prefix(prefix: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.prefix() == prefix)
    }
}

/// A valid 事项编码: a two-letter kind prefix ([`ItemKind`]), a 5-digit main
/// item number and a 3-digit sub-item number, e.g. `XK00001001`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemCode {
    text: String,
    kind: ItemKind,
}

/// Why a string is not a valid [`ItemCode`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemCodeError {
    /// The input does not have 10 characters.
    #[error("事项编码应为10位，实际为{actual}位")]
    Length {
        /// Number of characters found.
        actual: usize,
    },
    /// The prefix is a valid kind but written in lower case.
    #[error("事项编码的类别代码应为大写字母：应为“{expected}”，实际为“{found}”")]
    LowercaseKind {
        /// The upper-case prefix.
        expected: String,
        /// The prefix as written.
        found: String,
    },
    /// The prefix is not one of the ten kinds.
    #[error("事项编码前两位“{found}”不是有效的事项类别代码，应为XK、QR、JF、ZS、CJ、JL、QT、GG、CF、QZ之一")]
    Kind {
        /// The prefix as written.
        found: String,
    },
    /// One of positions 3–10 is not a digit.
    #[error("事项编码第{position}位应为数字，实际为“{found}”")]
    NotDigit {
        /// 1-based character position.
        position: usize,
        /// The offending character.
        found: char,
    },
}

impl ItemCodeError {
    /// A stable, machine-readable error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "ITEM_CODE_LENGTH",
            Self::LowercaseKind { .. } => "ITEM_CODE_KIND_CASE",
            Self::Kind { .. } => "ITEM_CODE_KIND",
            Self::NotDigit { .. } => "ITEM_CODE_NOT_DIGIT",
        }
    }
}

impl ItemCode {
    /// Parses and validates an item code. The prefix must be upper case.
    pub fn parse(input: &str) -> Result<Self, ItemCodeError> {
        let chars: Vec<char> = input.chars().collect();
        if chars.len() != LEN {
            return Err(ItemCodeError::Length { actual: chars.len() });
        }
        let prefix: String = chars.iter().take(2).collect();
        let kind = match ItemKind::from_prefix(&prefix) {
            Some(kind) => kind,
            None => {
                let upper = prefix.to_ascii_uppercase();
                return Err(if ItemKind::from_prefix(&upper).is_some() {
                    ItemCodeError::LowercaseKind {
                        expected: upper,
                        found: prefix,
                    }
                } else {
                    ItemCodeError::Kind { found: prefix }
                });
            }
        };
        for (i, &c) in chars.iter().enumerate().skip(2) {
            if !c.is_ascii_digit() {
                return Err(ItemCodeError::NotDigit {
                    position: i + 1,
                    found: c,
                });
            }
        }
        Ok(Self {
            text: input.to_owned(),
            kind,
        })
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kind of item.
    pub fn kind(&self) -> ItemKind {
        self.kind
    }

    /// The two-letter kind prefix, e.g. `"XK"`.
    pub fn kind_prefix(&self) -> &str {
        &self.text[0..2]
    }

    /// The Chinese name of the kind, e.g. `"行政许可"`.
    pub fn kind_name_zh(&self) -> &'static str {
        self.kind.name_zh()
    }

    /// The 5-digit main item number (主项), positions 3–7.
    pub fn main_item(&self) -> &str {
        &self.text[2..7]
    }

    /// The 3-digit sub-item number (子项), positions 8–10.
    pub fn sub_item(&self) -> &str {
        &self.text[7..10]
    }
}

string_identifier!(ItemCode, ItemCodeError, "an item code (事项编码) such as XK00001001");
