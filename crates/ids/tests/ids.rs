#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use ids::{
    CREDIT_CODE_CHARSET, CreditCode, CreditCodeError, IdNumber, IdNumberError, ItemCode, ItemCodeError, ItemKind,
    OneThingId, OneThingIdError, Sex, credit_check_char, id_check_char, is_valid_province_code,
};
use proptest::prelude::*;

/// Builds a valid ID number from its first 17 digits.
fn with_id_check(first17: &str) -> String {
    format!("{first17}{}", id_check_char(first17).unwrap())
}

/// Builds a valid credit code from its first 17 characters.
fn with_credit_check(first17: &str) -> String {
    format!("{first17}{}", credit_check_char(first17).unwrap())
}

// ---------------------------------------------------------------- IdNumber

/// Valid numbers with no `0` among their first 17 characters, so that every weight
/// of the check takes part; their check characters were computed by a separate
/// implementation of GB 11643 / GB 32100 (not this crate's), and each one changed in
/// any position is refused.
#[test]
fn independent_vectors_with_every_weight_in_play() {
    for (text, check) in [
        ("341522198711233574", '4'),
        ("511324199612297482", '2'),
        ("622126197312156935", '5'),
    ] {
        let id = IdNumber::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(id.check_char(), check);
        assert_eq!(id_check_char(&text[..17]), Some(check));
    }
    for (text, check) in [("91321283MA1R2X3P8A", 'A'), ("92511324L7K8N5Q31K", 'K')] {
        CreditCode::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(credit_check_char(&text[..17]), Some(check));
    }
    // A change in any one position is seen: digits for ID numbers, and for credit
    // codes any character of their alphabet.
    let id = "341522198711233574";
    for position in 0..17 {
        let original = id.as_bytes()[position];
        let replacement = if original == b'9' { b'8' } else { original + 1 };
        let mut bytes = id.as_bytes().to_vec();
        bytes[position] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        assert_ne!(
            id_check_char(&changed[..17]),
            Some('4'),
            "a change at position {} leaves the check character",
            position + 1
        );
    }
}

#[test]
fn id_number_known_valid_example() {
    let id = IdNumber::parse("11010519491231002X").unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.area_code(), "110105");
    assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    assert_eq!(id.sequence_code(), "002");
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.sex().label_zh(), "女");
    assert_eq!(id.check_char(), 'X');
    assert_eq!(id_check_char("11010519491231002"), Some('X'));
}

#[test]
fn id_number_lowercase_x_is_normalized() {
    let id = IdNumber::parse("11010519491231002x").unwrap();
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.to_string(), "11010519491231002X");
    assert_eq!(id, IdNumber::parse("11010519491231002X").unwrap());
}

#[test]
fn id_number_male_from_odd_sequence() {
    let text = with_id_check("44030420000229123");
    let id: IdNumber = text.parse().unwrap();
    assert_eq!(id.sex(), Sex::Male);
    assert_eq!(Sex::Male.label_zh(), "男");
    assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(2000, 2, 29).unwrap());
    assert_eq!(id.area_code(), "440304");
}

#[test]
fn id_number_wrong_check_digit() {
    let err = IdNumber::parse("110105194912310023").unwrap_err();
    assert_eq!(
        err,
        IdNumberError::CheckDigit {
            expected: 'X',
            found: '3'
        }
    );
    assert_eq!(err.code(), "ID_NUMBER_CHECK_DIGIT");
    assert_eq!(err.to_string(), "公民身份号码校验码错误：应为X，实际为3");
}

#[test]
fn id_number_wrong_length() {
    let err = IdNumber::parse("11010519491231002").unwrap_err();
    assert_eq!(err, IdNumberError::Length { actual: 17 });
    assert_eq!(err.code(), "ID_NUMBER_LENGTH");
    assert_eq!(err.to_string(), "公民身份号码应为18位，实际为17位");

    let err = IdNumber::parse("11010519491231002X1").unwrap_err();
    assert_eq!(err.to_string(), "公民身份号码应为18位，实际为19位");

    let err = IdNumber::parse("").unwrap_err();
    assert_eq!(err.code(), "ID_NUMBER_EMPTY");
    assert_eq!(err.to_string(), "公民身份号码不能为空");
}

#[test]
fn id_number_whitespace_is_an_error_not_trimmed() {
    for input in [
        " 11010519491231002X",
        "11010519491231002X ",
        "110105 19491231002X",
        "11010519491231002X\n",
    ] {
        let err = IdNumber::parse(input).unwrap_err();
        assert_eq!(err.code(), "ID_NUMBER_WHITESPACE", "input {input:?}");
    }
    let err = IdNumber::parse("110105 19491231002X").unwrap_err();
    assert_eq!(err, IdNumberError::Whitespace { position: 7 });
    assert!(err.to_string().contains("第7位是空白字符"));
}

#[test]
fn id_number_non_digit_and_bad_check_char() {
    let err = IdNumber::parse("1101051949123100AX").unwrap_err();
    assert_eq!(
        err,
        IdNumberError::NotDigit {
            position: 17,
            found: 'A'
        }
    );
    assert_eq!(err.to_string(), "公民身份号码第17位应为数字，实际为“A”");

    let err = IdNumber::parse("11010519491231002Y").unwrap_err();
    assert_eq!(err, IdNumberError::CheckCharInvalid { found: 'Y' });
    assert_eq!(err.code(), "ID_NUMBER_CHECK_CHAR");

    // Full-width digits are not digits.
    let err = IdNumber::parse("１1010519491231002X").unwrap_err();
    assert_eq!(err.code(), "ID_NUMBER_NOT_DIGIT");
}

#[test]
fn id_number_impossible_dates() {
    // 30 February never exists.
    let err = IdNumber::parse(&with_id_check("11010520230230001")).unwrap_err();
    assert_eq!(
        err,
        IdNumberError::BirthDateInvalid {
            date: "20230230".into()
        }
    );
    assert_eq!(err.to_string(), "出生日期20230230不存在");
    assert_eq!(err.code(), "ID_NUMBER_BIRTH_DATE");

    // 29 February only exists in leap years: 2023 and 1900 are not leap years.
    let err = IdNumber::parse(&with_id_check("11010520230229001")).unwrap_err();
    assert_eq!(err.to_string(), "出生日期20230229不存在");
    let err = IdNumber::parse(&with_id_check("11010519000229001")).unwrap_err();
    assert_eq!(err.to_string(), "出生日期19000229不存在");
    assert!(IdNumber::parse(&with_id_check("11010520240229001")).is_ok());
    assert!(IdNumber::parse(&with_id_check("11010520000229001")).is_ok());

    // Month 13, day 00 and day 32.
    for first17 in ["11010519991301001", "11010519990100001", "11010519990132001"] {
        let err = IdNumber::parse(&with_id_check(first17)).unwrap_err();
        assert_eq!(err.code(), "ID_NUMBER_BIRTH_DATE", "{first17}");
    }
}

#[test]
fn id_number_birth_year_before_1900() {
    let err = IdNumber::parse(&with_id_check("11010518991231001")).unwrap_err();
    assert_eq!(err.code(), "ID_NUMBER_BIRTH_DATE_RANGE");
    assert!(err.to_string().contains("18991231"));
    assert!(IdNumber::parse(&with_id_check("11010519000101001")).is_ok());
}

#[test]
fn id_number_bad_province_code() {
    for province in [
        "00", "10", "16", "20", "24", "30", "38", "47", "55", "60", "66", "70", "72", "80", "83", "99",
    ] {
        let first17 = format!("{province}010519491231002");
        let err = IdNumber::parse(&with_id_check(&first17)).unwrap_err();
        assert_eq!(err, IdNumberError::AreaCode { code: province.into() });
        assert_eq!(err.code(), "ID_NUMBER_AREA_CODE");
        assert_eq!(
            err.to_string(),
            format!("公民身份号码前两位“{province}”不是有效的省级行政区划代码")
        );
    }
    for province in [
        "11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82",
    ] {
        assert!(is_valid_province_code(province), "{province}");
        let first17 = format!("{province}010519491231002");
        assert!(IdNumber::parse(&with_id_check(&first17)).is_ok(), "{province}");
    }
    assert!(!is_valid_province_code("1"));
    assert!(!is_valid_province_code("1a"));
    // Two characters that are not both digits are never a code, even where their
    // byte values would add up to one (';' is '0' + 11: "1;" would read as 21).
    for odd in ["1;", "2:", "１１", "110"] {
        assert!(!is_valid_province_code(odd), "{odd:?}");
    }
}

#[test]
fn text_errors_have_stable_codes_and_chinese_messages() {
    use ids::text::{TextError, normalize};
    assert_eq!(normalize("\u{200b}\u{feff} ", false), Err(TextError::Empty));
    assert_eq!(normalize("abc\u{202e}def", false), Err(TextError::Bidi));
    assert_eq!(normalize("a\u{7}b", false), Err(TextError::Control));
    assert_eq!(normalize("  王\u{200b}芳 ", false).unwrap(), "王芳");
    let all = [
        (TextError::Empty, "TEXT_EMPTY"),
        (TextError::Bidi, "TEXT_BIDI_CONTROL"),
        (TextError::Control, "TEXT_CONTROL_CHARACTER"),
    ];
    for (error, code) in all {
        assert_eq!(error.code(), code);
        assert!(!error.to_string().is_ascii(), "{error:?} speaks Chinese");
    }
}

#[test]
fn id_check_char_rejects_bad_input() {
    assert_eq!(id_check_char("1101051949123100"), None);
    assert_eq!(id_check_char("110105194912310021"), None);
    assert_eq!(id_check_char("1101051949123100A"), None);
}

#[test]
fn id_number_serde() {
    let id = IdNumber::parse("11010519491231002X").unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"11010519491231002X\"");
    let back: IdNumber = serde_json::from_str("\"11010519491231002x\"").unwrap();
    assert_eq!(back, id);
    let err = serde_json::from_str::<IdNumber>("\"110105194912310023\"").unwrap_err();
    assert!(
        err.to_string().contains("公民身份号码校验码错误：应为X，实际为3"),
        "{err}"
    );
    assert!(serde_json::from_str::<IdNumber>("42").is_err());
}

// -------------------------------------------------------------- CreditCode

#[test]
fn credit_code_known_valid_example() {
    assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    let code = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(code.as_str(), "91350100M000100Y43");
    assert_eq!(code.registration_authority_code(), '9');
    assert_eq!(code.organization_type_code(), '1');
    assert_eq!(code.area_code(), "350100");
    assert_eq!(code.organization_code(), "M000100Y4");
    assert_eq!(code.check_char(), '3');
}

#[test]
fn credit_code_lowercase_is_normalized() {
    let code = CreditCode::parse("91350100m000100y43").unwrap();
    assert_eq!(code.as_str(), "91350100M000100Y43");
    assert_eq!(credit_check_char("91350100m000100y4"), Some('3'));
}

#[test]
fn credit_code_check_value_31_is_written_as_zero() {
    // Find a prefix whose weighted sum is divisible by 31 and check that the
    // check character is '0' (31 − 0 = 31 → 0).
    let first17 = (0..31u32)
        .map(|last| {
            let c = CREDIT_CODE_CHARSET.chars().nth(last as usize).unwrap();
            format!("9111000000000000{c}")
        })
        .find(|p| credit_check_char(p) == Some('0'))
        .unwrap();
    let code = CreditCode::parse(&format!("{first17}0")).unwrap();
    assert_eq!(code.check_char(), '0');
}

#[test]
fn credit_code_wrong_check_digit() {
    let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
    assert_eq!(
        err,
        CreditCodeError::CheckDigit {
            expected: '3',
            found: '4'
        }
    );
    assert_eq!(err.code(), "CREDIT_CODE_CHECK_DIGIT");
    assert_eq!(err.to_string(), "统一社会信用代码校验码错误：应为3，实际为4");
}

#[test]
fn credit_code_wrong_length() {
    let err = CreditCode::parse("91350100M000100Y4").unwrap_err();
    assert_eq!(err, CreditCodeError::Length { actual: 17 });
    assert_eq!(err.code(), "CREDIT_CODE_LENGTH");
    assert_eq!(err.to_string(), "统一社会信用代码应为18位，实际为17位");
    assert_eq!(
        CreditCode::parse("").unwrap_err(),
        CreditCodeError::Length { actual: 0 }
    );
}

#[test]
fn credit_code_forbidden_letters() {
    for letter in ['I', 'O', 'S', 'V', 'Z'] {
        let input = format!("91350100M{letter}00100Y43");
        let err = CreditCode::parse(&input).unwrap_err();
        assert_eq!(err, CreditCodeError::ForbiddenLetter { letter, position: 10 });
        assert_eq!(err.code(), "CREDIT_CODE_FORBIDDEN_LETTER");
        assert_eq!(
            err.to_string(),
            format!("统一社会信用代码不能包含字母{letter}（第10位）")
        );
        // Lower case is normalized first, so it names the same letter.
        let lower = input.to_ascii_lowercase();
        assert_eq!(CreditCode::parse(&lower).unwrap_err(), err);
        // The generator helper refuses them too.
        assert_eq!(credit_check_char(&input[..17]), None);
    }
}

#[test]
fn credit_code_other_invalid_characters() {
    let err = CreditCode::parse("91350100M-00100Y43").unwrap_err();
    assert_eq!(
        err,
        CreditCodeError::InvalidChar {
            found: '-',
            position: 10
        }
    );
    assert_eq!(err.code(), "CREDIT_CODE_INVALID_CHAR");
    assert!(err.to_string().contains("第10位包含非法字符“-”"));

    let err = CreditCode::parse("91350100M000100Y4中").unwrap_err();
    assert_eq!(
        err,
        CreditCodeError::InvalidChar {
            found: '中',
            position: 18
        }
    );
}

#[test]
fn credit_code_area_code_must_be_digits() {
    let first17 = "913501A0M000100Y4";
    let input = with_credit_check(first17);
    let err = CreditCode::parse(&input).unwrap_err();
    assert_eq!(err, CreditCodeError::AreaCode { found: "3501A0".into() });
    assert_eq!(err.code(), "CREDIT_CODE_AREA_CODE");
    assert!(err.to_string().contains("“3501A0”"));
}

#[test]
fn credit_code_serde() {
    let code = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"91350100M000100Y43\"");
    let back: CreditCode = serde_json::from_str("\"91350100m000100y43\"").unwrap();
    assert_eq!(back, code);
    let err = serde_json::from_str::<CreditCode>("\"91350100M000100Y4I\"").unwrap_err();
    assert!(
        err.to_string().contains("统一社会信用代码不能包含字母I（第18位）"),
        "{err}"
    );
}

// ---------------------------------------------------------------- ItemCode

#[test]
fn item_code_valid_for_every_kind() {
    let expected = [
        ("XK", "行政许可", ItemKind::Licensing),
        ("QR", "行政确认", ItemKind::Confirmation),
        ("JF", "行政给付", ItemKind::Payment),
        ("ZS", "行政征收", ItemKind::Levy),
        ("CJ", "行政裁决", ItemKind::Adjudication),
        ("JL", "行政奖励", ItemKind::Reward),
        ("QT", "其他行政权力", ItemKind::OtherPower),
        ("GG", "公共服务", ItemKind::PublicService),
        ("CF", "行政处罚", ItemKind::Penalty),
        ("QZ", "行政强制", ItemKind::Enforcement),
    ];
    for (prefix, name, kind) in expected {
        let code = ItemCode::parse(&format!("{prefix}00101002")).unwrap();
        assert_eq!(code.kind_prefix(), prefix);
        assert_eq!(code.kind_name_zh(), name);
        assert_eq!(code.kind(), kind);
        assert_eq!(code.main_item(), "00101");
        assert_eq!(code.sub_item(), "002");
        assert_eq!(kind.prefix(), prefix);
        assert_eq!(ItemKind::from_prefix(prefix), Some(kind));
    }
    assert_eq!(ItemKind::ALL.len(), 10);
}

#[test]
fn item_code_errors() {
    let err = ItemCode::parse("XK0000100").unwrap_err();
    assert_eq!(err, ItemCodeError::Length { actual: 9 });
    assert_eq!(err.code(), "ITEM_CODE_LENGTH");
    assert_eq!(err.to_string(), "事项编码应为10位，实际为9位");

    let err = ItemCode::parse("AB00001001").unwrap_err();
    assert_eq!(err, ItemCodeError::Kind { found: "AB".into() });
    assert_eq!(err.code(), "ITEM_CODE_KIND");
    assert!(err.to_string().starts_with("事项编码前两位“AB”不是有效的事项类别代码"));

    let err = ItemCode::parse("xk00001001").unwrap_err();
    assert_eq!(err.code(), "ITEM_CODE_KIND_CASE");
    assert!(err.to_string().contains("应为“XK”"));

    let err = ItemCode::parse("XK0000100A").unwrap_err();
    assert_eq!(
        err,
        ItemCodeError::NotDigit {
            position: 10,
            found: 'A'
        }
    );
    assert_eq!(err.code(), "ITEM_CODE_NOT_DIGIT");
    assert_eq!(err.to_string(), "事项编码第10位应为数字，实际为“A”");

    assert_eq!(ItemCode::parse(" XK00001001").unwrap_err().code(), "ITEM_CODE_LENGTH");
}

#[test]
fn item_code_serde_and_ordering() {
    let a: ItemCode = serde_json::from_str("\"GG00101001\"").unwrap();
    let b: ItemCode = "GG00102001".parse().unwrap();
    assert!(a < b);
    assert_eq!(serde_json::to_string(&a).unwrap(), "\"GG00101001\"");
    let err = serde_json::from_str::<ItemCode>("\"GG0010100\"").unwrap_err();
    assert!(err.to_string().contains("事项编码应为10位，实际为9位"));
    assert_eq!(String::from(a.clone()), "GG00101001");
    assert_eq!(ItemCode::try_from("GG00101001").unwrap(), a);
}

// -------------------------------------------------------------- OneThingId

#[test]
fn one_thing_id_valid() {
    for s in ["newborn", "ab", "business-startup", "a1", "x-1-2-3", &"a".repeat(48)] {
        let id = OneThingId::parse(s).unwrap();
        assert_eq!(id.as_str(), s);
        assert_eq!(id.to_string(), s);
    }
}

#[test]
fn one_thing_id_errors() {
    let cases: [(&str, OneThingIdError, &str); 9] = [
        (
            "",
            OneThingIdError::Length { actual: 0 },
            "一件事标识长度应为2至48个字符，实际为0个",
        ),
        (
            "a",
            OneThingIdError::Length { actual: 1 },
            "一件事标识长度应为2至48个字符，实际为1个",
        ),
        (
            &"a".repeat(49),
            OneThingIdError::Length { actual: 49 },
            "一件事标识长度应为2至48个字符，实际为49个",
        ),
        (
            "1abc",
            OneThingIdError::Start { found: '1' },
            "一件事标识必须以小写字母开头，实际以“1”开头",
        ),
        (
            "-abc",
            OneThingIdError::Start { found: '-' },
            "一件事标识必须以小写字母开头，实际以“-”开头",
        ),
        (
            "Newborn",
            OneThingIdError::Start { found: 'N' },
            "一件事标识必须以小写字母开头，实际以“N”开头",
        ),
        (
            "new_born",
            OneThingIdError::InvalidChar {
                position: 4,
                found: '_',
            },
            "一件事标识第4个字符“_”不合法，只能使用小写字母、数字和连字符“-”",
        ),
        (
            "new--born",
            OneThingIdError::DoubleHyphen { position: 5 },
            "一件事标识不能包含连续的连字符“--”（第5个字符处）",
        ),
        (
            "newborn-",
            OneThingIdError::TrailingHyphen,
            "一件事标识不能以连字符“-”结尾",
        ),
    ];
    for (input, expected, message) in cases {
        let err = OneThingId::parse(input).unwrap_err();
        assert_eq!(err, expected, "{input}");
        assert_eq!(err.to_string(), message, "{input}");
    }
    assert_eq!(OneThingId::parse("newBorn").unwrap_err().code(), "ONE_THING_ID_CHAR");
    assert_eq!(
        OneThingId::parse("a-").unwrap_err().code(),
        "ONE_THING_ID_TRAILING_HYPHEN"
    );
    assert_eq!(
        OneThingId::parse("a--b").unwrap_err().code(),
        "ONE_THING_ID_DOUBLE_HYPHEN"
    );
    assert_eq!(OneThingId::parse("a").unwrap_err().code(), "ONE_THING_ID_LENGTH");
    assert_eq!(OneThingId::parse("9a").unwrap_err().code(), "ONE_THING_ID_START");
}

#[test]
fn one_thing_id_serde() {
    let id: OneThingId = serde_json::from_str("\"newborn\"").unwrap();
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"newborn\"");
    let err = serde_json::from_str::<OneThingId>("\"New-born\"").unwrap_err();
    assert!(err.to_string().contains("必须以小写字母开头"), "{err}");
}

// ------------------------------------------------------- property tests

const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];

/// First 17 digits of a valid ID number: real province, any 4 digits, an
/// existing birth date between 1900-01-01 and 2099-12-31, any sequence.
fn id_first17() -> impl Strategy<Value = (String, NaiveDate, u32)> {
    let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    let span = (end - start).num_days();
    (prop::sample::select(&PROVINCES[..]), 0u32..10_000, 0..=span, 0u32..1000).prop_map(
        move |(province, county, offset, seq)| {
            let birth = start + chrono::Duration::days(offset);
            let first17 = format!("{province}{county:04}{}{seq:03}", birth.format("%Y%m%d"));
            (first17, birth, seq)
        },
    )
}

/// First 17 characters of a valid credit code: digits at positions 3–8,
/// any character of the set elsewhere.
fn credit_first17() -> impl Strategy<Value = String> {
    let any = prop::sample::select(CREDIT_CODE_CHARSET.chars().collect::<Vec<_>>());
    let digit = prop::sample::select(('0'..='9').collect::<Vec<_>>());
    (
        prop::collection::vec(any.clone(), 2),
        prop::collection::vec(digit, 6),
        prop::collection::vec(any, 9),
    )
        .prop_map(|(head, area, tail)| head.into_iter().chain(area).chain(tail).collect())
}

proptest! {
    #[test]
    fn generated_id_numbers_parse_and_round_trip((first17, birth, seq) in id_first17()) {
        let text = with_id_check(&first17);
        let id = IdNumber::parse(&text).unwrap();
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(id.birth_date(), birth);
        prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        prop_assert_eq!(id.area_code(), &first17[..6]);

        let reparsed: IdNumber = id.to_string().parse().unwrap();
        prop_assert_eq!(&reparsed, &id);
        let json = serde_json::to_string(&id).unwrap();
        let back: IdNumber = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &id);
    }

    #[test]
    fn id_number_any_other_check_char_fails((first17, _birth, _seq) in id_first17()) {
        let correct = id_check_char(&first17).unwrap();
        for wrong in "0123456789X".chars().filter(|&c| c != correct) {
            let err = IdNumber::parse(&format!("{first17}{wrong}")).unwrap_err();
            prop_assert_eq!(err, IdNumberError::CheckDigit { expected: correct, found: wrong });
        }
    }

    #[test]
    fn generated_credit_codes_parse_and_round_trip(first17 in credit_first17()) {
        let text = with_credit_check(&first17);
        let code = CreditCode::parse(&text).unwrap();
        prop_assert_eq!(code.as_str(), text.as_str());
        prop_assert_eq!(code.area_code(), &first17[2..8]);

        let reparsed: CreditCode = code.to_string().parse().unwrap();
        prop_assert_eq!(&reparsed, &code);
        let lower = CreditCode::parse(&text.to_ascii_lowercase()).unwrap();
        prop_assert_eq!(&lower, &code);
        let json = serde_json::to_string(&code).unwrap();
        let back: CreditCode = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &code);
    }

    #[test]
    fn credit_code_any_other_check_char_fails(first17 in credit_first17()) {
        let correct = credit_check_char(&first17).unwrap();
        for wrong in CREDIT_CODE_CHARSET.chars().filter(|&c| c != correct) {
            let err = CreditCode::parse(&format!("{first17}{wrong}")).unwrap_err();
            prop_assert_eq!(err, CreditCodeError::CheckDigit { expected: correct, found: wrong });
        }
    }

    #[test]
    fn credit_code_single_substitution_is_detected(
        first17 in credit_first17(),
        position in 0usize..17,
        replacement in prop::sample::select(CREDIT_CODE_CHARSET.chars().collect::<Vec<_>>()),
    ) {
        // Changing any one of the first 17 characters (keeping the area code
        // numeric) while keeping the check character must be rejected.
        let text = with_credit_check(&first17);
        let mut chars: Vec<char> = text.chars().collect();
        prop_assume!(chars[position] != replacement);
        prop_assume!(!(2..8).contains(&position) || replacement.is_ascii_digit());
        chars[position] = replacement;
        let mutated: String = chars.into_iter().collect();
        let err = CreditCode::parse(&mutated).unwrap_err();
        prop_assert_eq!(err.code(), "CREDIT_CODE_CHECK_DIGIT");
    }

    #[test]
    fn generated_item_codes_parse_and_round_trip(
        kind in prop::sample::select(ItemKind::ALL.to_vec()),
        main in 0u32..100_000,
        sub in 0u32..1000,
    ) {
        let text = format!("{}{main:05}{sub:03}", kind.prefix());
        let code = ItemCode::parse(&text).unwrap();
        prop_assert_eq!(code.kind(), kind);
        prop_assert_eq!(code.kind_name_zh(), kind.name_zh());
        let json = serde_json::to_string(&code).unwrap();
        let back: ItemCode = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, code);
    }

    #[test]
    fn one_thing_id_matches_its_grammar(s in "[a-z][a-z0-9-]{1,47}") {
        let expected_ok = !s.ends_with('-') && !s.contains("--");
        match OneThingId::parse(&s) {
            Ok(id) => {
                prop_assert!(expected_ok);
                let back: OneThingId = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
                prop_assert_eq!(back.as_str(), s.as_str());
            }
            Err(err) => {
                prop_assert!(!expected_ok);
                let expected_kind = matches!(
                    err,
                    OneThingIdError::TrailingHyphen | OneThingIdError::DoubleHyphen { .. }
                );
                prop_assert!(expected_kind, "unexpected error {:?}", err);
            }
        }
    }

    #[test]
    fn one_thing_id_rejects_strings_outside_the_grammar(s in "\\PC{0,60}") {
        let chars: Vec<char> = s.chars().collect();
        let grammar_ok = (2..=48).contains(&chars.len())
            && chars[0].is_ascii_lowercase()
            && chars.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            && !s.ends_with('-')
            && !s.contains("--");
        prop_assert_eq!(OneThingId::parse(&s).is_ok(), grammar_ok);
    }
}
