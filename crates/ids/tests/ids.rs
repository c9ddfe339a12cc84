#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use ids::{
    CREDIT_CODE_CHARSET, CreditCode, CreditCodeError, IdNumber, IdNumberError, ItemCode, ItemCodeError, ItemKind,
    OneThingId, OneThingIdError, REGISTRATION_AUTHORITIES, Sex, credit_check_char, id_check_char,
    is_valid_province_code, organization_check_char,
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
        let first17 = format!("{province}000019491231002");
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
    let first17 = CREDIT_CODE_CHARSET
        .chars()
        .flat_map(|a| CREDIT_CODE_CHARSET.chars().map(move |b| format!("000000{a}{b}")))
        .map(|body| format!("91110105{body}{}", organization_check_char(&body).unwrap()))
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

/// Division codes still in force (GB/T 2260), sorted so that runs are reproducible.
fn current_areas() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = ids::region::regions()
        .filter(|r| r.until.is_none())
        .map(|r| r.code)
        .collect();
    codes.sort_unstable();
    codes
}

/// First 17 digits of a valid ID number: a division code in force today, an
/// existing birth date between 1900-01-01 and 2099-12-31, any sequence.
fn id_first17() -> impl Strategy<Value = (String, NaiveDate, u32)> {
    let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    let span = (end - start).num_days();
    (prop::sample::select(current_areas()), 0..=span, 0u32..1000).prop_map(move |(area, offset, seq)| {
        let birth = start + chrono::Duration::days(offset);
        let first17 = format!("{area}{}{seq:03}", birth.format("%Y%m%d"));
        (first17, birth, seq)
    })
}

/// First 17 characters of a valid credit code: a registration authority and one of
/// its organization types, a division code, eight organization-code characters and
/// their GB 11714 check character.
fn credit_first17() -> impl Strategy<Value = String> {
    let kinds: Vec<(char, char)> = REGISTRATION_AUTHORITIES
        .iter()
        .flat_map(|(authority, _, types)| types.iter().map(move |(kind, _)| (*authority, *kind)))
        .collect();
    let any = prop::sample::select(CREDIT_CODE_CHARSET.chars().collect::<Vec<_>>());
    (
        prop::sample::select(kinds),
        prop::sample::select(current_areas()),
        prop::collection::vec(any, 8),
    )
        .prop_map(|((authority, kind), area, body)| {
            let body: String = body.into_iter().collect();
            let check = organization_check_char(&body).unwrap();
            format!("{authority}{kind}{area}{body}{check}")
        })
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
        // Changing any one of the first 17 characters while keeping the check
        // character must be rejected (by the part it breaks, or by the check).
        let text = with_credit_check(&first17);
        let mut chars: Vec<char> = text.chars().collect();
        prop_assume!(chars[position] != replacement);
        chars[position] = replacement;
        let mutated: String = chars.into_iter().collect();
        prop_assert!(CreditCode::parse(&mutated).is_err(), "{} accepted", mutated);
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

// ------------------------------------------- GB/T 2260, GB 11714 and GB 32100 parts

#[test]
fn the_whole_area_code_must_be_a_division_code() {
    // The review's example, then a rebuilt one: the province 11 exists, 119999 does not.
    assert_eq!(
        IdNumber::parse("119999194912310021").unwrap_err().code(),
        "ID_NUMBER_AREA_CODE"
    );
    let err = IdNumber::parse(&with_id_check("11999919491231002")).unwrap_err();
    assert_eq!(err, IdNumberError::AreaCodeUnknown { code: "119999".into() });
    assert_eq!(err.code(), "ID_NUMBER_AREA_CODE");
    assert_eq!(
        err.to_string(),
        "公民身份号码前六位“119999”不是行政区划代码（GB/T 2260），请核对地址码"
    );
    // Real codes of today: 朝阳区, 兰州市城关区, 深圳市南山区 (440305).
    for first17 in ["11010519491231002", "62010219920808001", "44030519900101123"] {
        let id = IdNumber::parse(&with_id_check(first17)).unwrap();
        assert!(!id.area_name().is_empty());
    }
    assert_eq!(IdNumber::parse("11010519491231002X").unwrap().area_name(), "朝阳区");
}

#[test]
fn a_withdrawn_area_code_is_accepted_only_for_people_born_while_it_was_in_force() {
    // 崇文区 (110103) was merged into 东城区 in 2010: people born before keep it.
    let born_1985 = IdNumber::parse(&with_id_check("11010319850612003")).unwrap();
    assert_eq!(born_1985.area_name(), "崇文区");
    let err = IdNumber::parse(&with_id_check("11010320150612003")).unwrap_err();
    assert_eq!(err.code(), "ID_NUMBER_AREA_CODE_WITHDRAWN");
    assert_eq!(
        err.to_string(),
        "公民身份号码前六位“110103”（崇文区）2009年后已停用，2015年出生的人不会使用这个地址码"
    );
}

#[test]
fn codes_created_since_2021_are_known_and_the_ones_they_replaced_are_withdrawn() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    // 横县 (450127) became 横州市 (450181) in 2021: a child born there in 2024 carries
    // the new code, an adult born there in 1990 keeps the old one.
    let newborn = IdNumber::parse_on(&with_id_check("45018120240315002"), today).unwrap();
    assert_eq!(newborn.area_name(), "横州市");
    let adult = IdNumber::parse_on(&with_id_check("45012719900315002"), today).unwrap();
    assert_eq!(adult.area_name(), "横县");
    let err = IdNumber::parse_on(&with_id_check("45012720240315002"), today).unwrap_err();
    assert_eq!(err.code(), "ID_NUMBER_AREA_CODE_WITHDRAWN");
    assert_eq!(
        err.to_string(),
        "公民身份号码前六位“450127”（横县）2021年后已停用，2024年出生的人不会使用这个地址码"
    );
    // More of the 2021–2023 changes: 沙县区, 三元区 after the merger with 梅列区,
    // 龙海区, 旬阳市, 沙湾市, 米林市, 错那市, 白杨市.
    for (code, name) in [
        ("350405", "沙县区"),
        ("350404", "三元区"),
        ("350604", "龙海区"),
        ("610981", "旬阳市"),
        ("654203", "沙湾市"),
        ("540481", "米林市"),
        ("540581", "错那市"),
        ("659012", "白杨市"),
    ] {
        let id = IdNumber::parse_on(&with_id_check(&format!("{code}20250101001")), today).unwrap();
        assert_eq!(id.area_name(), name, "{code}");
    }
    // The current names of codes whose places swapped over the years.
    assert_eq!(
        IdNumber::parse(&with_id_check("43030019800101001"))
            .unwrap()
            .area_name(),
        "湘潭市"
    );
    assert_eq!(
        IdNumber::parse(&with_id_check("43050019800101001"))
            .unwrap()
            .area_name(),
        "邵阳市"
    );
    // A development zone's statistical code (not GB/T 2260) is not an address code.
    assert_eq!(
        IdNumber::parse(&with_id_check("13017120000101001")).unwrap_err().code(),
        "ID_NUMBER_AREA_CODE"
    );
}

#[test]
fn a_birth_date_after_today_is_refused_when_checked_on_a_day() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    // Born 2099: a well-formed number, but nobody holds it yet.
    let future = "110105209912310010";
    assert!(IdNumber::parse(future).is_ok(), "the structure alone is valid");
    let err = IdNumber::parse_on(future, today).unwrap_err();
    assert_eq!(
        err,
        IdNumberError::BirthDateInFuture {
            date: "20991231".into()
        }
    );
    assert_eq!(err.code(), "ID_NUMBER_BIRTH_DATE_FUTURE");
    assert_eq!(
        err.to_string(),
        "出生日期20991231晚于今天，不是有效的公民身份号码出生日期"
    );
    // Born today and yesterday: accepted.
    for birth in ["20261130", "20261129"] {
        let text = with_id_check(&format!("110105{birth}001"));
        assert!(IdNumber::parse_on(&text, today).is_ok(), "{text}");
    }
    let tomorrow = with_id_check("11010520261201001");
    assert_eq!(
        IdNumber::parse_on(&tomorrow, today).unwrap_err().code(),
        "ID_NUMBER_BIRTH_DATE_FUTURE"
    );
    // Before 1900 stays refused, lower-case x stays accepted.
    assert_eq!(
        IdNumber::parse(&with_id_check("11010518991231002")).unwrap_err().code(),
        "ID_NUMBER_BIRTH_DATE_RANGE"
    );
    assert_eq!(
        IdNumber::parse_on("11010519491231002x", today).unwrap().as_str(),
        "11010519491231002X"
    );
}

#[test]
fn the_organization_code_inside_a_credit_code_carries_its_gb_11714_check() {
    // The standard's example: organization code M000100Y4.
    assert_eq!(organization_check_char("M000100Y"), Some('4'));
    assert_eq!(organization_check_char("MA5GLT4E"), Some('4'));
    assert_eq!(organization_check_char("M000100"), None);
    assert_eq!(organization_check_char("M000100-"), None);
    // A check of 10 is written X, of 11 as 0.
    let x = CREDIT_CODE_CHARSET
        .chars()
        .map(|c| format!("0000000{c}"))
        .find(|body| organization_check_char(body) == Some('X'));
    assert!(x.is_some());
    // 91350100M000100Y56 passes the outer check but its inner code should end in 4.
    assert_eq!(credit_check_char("91350100M000100Y5"), Some('6'));
    let err = CreditCode::parse("91350100M000100Y56").unwrap_err();
    assert_eq!(
        err,
        CreditCodeError::OrganizationCheck {
            expected: '4',
            found: '5'
        }
    );
    assert_eq!(err.code(), "CREDIT_CODE_ORGANIZATION_CHECK");
    assert_eq!(
        err.to_string(),
        "统一社会信用代码第9至17位（组织机构代码）的校验码错误：第17位应为4，实际为5（GB 11714）"
    );
    // Real-format codes of every shape pass: company, individual business, others.
    for text in [
        "91350100M000100Y43",
        "91440305MA5GLT4E4A",
        "91321283MA1R2X3P8A",
        "92511324L7K8N5Q31K",
    ] {
        CreditCode::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn registration_authority_and_organization_type_come_from_gb_32100() {
    // X is no registration authority.
    let text = with_credit_check(&format!(
        "X1350100MA2Y3K4L{}",
        organization_check_char("MA2Y3K4L").unwrap()
    ));
    let err = CreditCode::parse(&text).unwrap_err();
    assert_eq!(err, CreditCodeError::RegistrationAuthority { found: 'X' });
    assert_eq!(err.code(), "CREDIT_CODE_REGISTRATION_AUTHORITY");
    assert_eq!(
        err.to_string(),
        "统一社会信用代码第1位（登记管理部门码）“X”不存在，应为1–9、A、N或Y"
    );
    // The review's example: refused for its first character.
    assert_eq!(
        CreditCode::parse("X1350100MA2Y3K4LXF").unwrap_err().code(),
        "CREDIT_CODE_REGISTRATION_AUTHORITY"
    );
    // 工商 registers 1 企业, 2 个体工商户, 3 农民专业合作社: not 4.
    let text = with_credit_check("94350100M000100Y4");
    let err = CreditCode::parse(&text).unwrap_err();
    assert_eq!(err.code(), "CREDIT_CODE_ORGANIZATION_TYPE");
    assert_eq!(
        err.to_string(),
        "统一社会信用代码第2位（机构类别码）“4”不是市场监督管理部门（工商）登记的机构类别，可为：1 企业、2 个体工商户、3 农民专业合作社"
    );
    // 民政 registers 社会团体 (51…), 基金会 (53…); 机构编制 registers 事业单位 (12…).
    for head in ["51", "53", "12", "N2", "Y1"] {
        let text = with_credit_check(&format!("{head}350100M000100Y4"));
        CreditCode::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
    // The registrar's area must be a division code, or 100000 for a national one.
    let national = with_credit_check("91100000M000100Y4");
    assert!(CreditCode::parse(&national).is_ok());
    let err = CreditCode::parse(&with_credit_check("91999999M000100Y4")).unwrap_err();
    assert_eq!(err, CreditCodeError::AreaCodeUnknown { found: "999999".into() });
    assert_eq!(err.code(), "CREDIT_CODE_AREA_CODE");
}
