//! What a person types is checked by the data element's type: phone numbers as
//! Chinese numbers are written, 是/否, lengths; the 四减 figures people are shown;
//! and the names the catalog gives its codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use catalog::plan::Figure;
use catalog::{ElementType, ListLevel, MaterialKind, Sensitivity, TrustLevel};

/// The day every value here is typed on.
fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

#[test]
fn phone_numbers_are_mobile_landline_or_service_numbers() {
    let catalog = testkit::catalog();
    let phone = &catalog.elements["person.phone"];
    for good in [
        "13800138000",
        "010-12345678",
        "0931-1234567",
        "0755-12345678-123",
        "400-123-4567",
        "800-123-4567",
    ] {
        assert_eq!(phone.validate(good, today()).unwrap(), good, "{good}");
    }
    for bad in [
        "23800138000",   // eleven digits, not a mobile number
        "1380013800",    // ten digits
        "1234-1234567",  // an area code starts with 0
        "0-1234567",     // an area code has 3 or 4 digits
        "010-123456",    // a local number has 7 or 8 digits
        "010-1234567a",  // digits only
        "010-12345678-", // an empty extension
        "400-12-4567",   // 400 numbers are 3-3-4
        "400-123-456",
        "500-123-4567", // only 400 and 800
        "-1",
        "2026-02-30",
    ] {
        let error = phone.validate(bad, today()).unwrap_err();
        assert_eq!(error.code, "FIELD_PHONE_INVALID", "{bad}");
    }
}

#[test]
fn yes_and_no_are_stored_as_true_and_false() {
    let element = catalog::DataElement {
        element_type: ElementType::Boolean,
        ..testkit::catalog().elements["person.phone"].clone()
    };
    assert_eq!(element.validate("是", today()).unwrap(), "true");
    assert_eq!(element.validate("true", today()).unwrap(), "true");
    assert_eq!(element.validate("否", today()).unwrap(), "false");
    assert_eq!(element.validate("false", today()).unwrap(), "false");
    assert_eq!(
        element.validate("对", today()).unwrap_err().code,
        "FIELD_BOOLEAN_INVALID"
    );
}

#[test]
fn a_text_may_be_exactly_as_long_as_its_element_allows() {
    let catalog = testkit::catalog();
    let name = &catalog.elements["person.name"];
    let max = name.max_length.unwrap();
    assert!(name.validate(&"王".repeat(max), today()).is_ok());
    let error = name.validate(&"王".repeat(max + 1), today()).unwrap_err();
    assert_eq!(error.code, "FIELD_TOO_LONG");
    assert_eq!(
        error.message,
        format!("申请人姓名：最多 {max} 个字，实际 {} 个", max + 1)
    );
}

#[test]
fn the_four_reductions_count_what_is_saved_and_its_share() {
    let figure = Figure { alone: 7, one_thing: 4 };
    assert_eq!(figure.saved(), 3);
    assert_eq!(figure.saved_percent(), 42);
    let all = Figure { alone: 3, one_thing: 0 };
    assert_eq!((all.saved(), all.saved_percent()), (3, 100));
    let none = Figure { alone: 0, one_thing: 0 };
    assert_eq!((none.saved(), none.saved_percent()), (0, 0));
    // More as one thing than alone saves nothing (never a negative figure).
    let worse = Figure { alone: 2, one_thing: 3 };
    assert_eq!((worse.saved(), worse.saved_percent()), (0, 0));
}

#[test]
fn the_newborn_plan_shows_its_four_reductions() {
    let catalog = testkit::catalog();
    let newborn = catalog.one_thing("newborn").unwrap();
    let plan = catalog::compute_plan(
        &catalog,
        newborn,
        &testkit::answers(&[
            ("hukou_local", "yes"),
            ("parents_married", "no"),
            ("insure_child", "no"),
            ("maternity_claim", "no"),
        ]),
        &catalog::Holdings {
            consent: catalog::SharedConsent::Declined,
            ..catalog::Holdings::default()
        },
        "2026-03-02".parse().unwrap(),
        &testkit::calendar(),
    )
    .unwrap();
    // As `onething catalog show --no-consent` prints them for these answers.
    let s = &plan.savings;
    assert_eq!((s.materials.alone, s.materials.one_thing), (7, 4));
    assert_eq!((s.fields.alone, s.fields.one_thing), (26, 11));
    assert_eq!((s.days.alone, s.days.one_thing), (5, 4));
    assert_eq!((s.visits.alone, s.visits.one_thing), (3, 0));
    assert_eq!((s.steps.alone, s.steps.one_thing), (11, 7));
}

#[test]
fn codes_have_their_chinese_names() {
    let sensitivity = [
        (Sensitivity::Public, "公开"),
        (Sensitivity::Internal, "内部"),
        (Sensitivity::Sensitive, "敏感"),
        (Sensitivity::HighlySensitive, "高敏"),
    ];
    for (level, label) in sensitivity {
        assert_eq!(level.label_zh(), label);
    }
    let types = [
        (ElementType::Text, "text"),
        (ElementType::Date, "date"),
        (ElementType::Integer, "integer"),
        (ElementType::Money, "money"),
        (ElementType::Boolean, "boolean"),
        (ElementType::Phone, "phone"),
        (ElementType::IdNumber, "id_number"),
        (ElementType::CreditCode, "credit_code"),
        (ElementType::Choice(vec!["男".into()]), "choice"),
    ];
    for (element_type, name) in types {
        assert_eq!(element_type.name(), name);
    }
    assert_eq!(MaterialKind::Upload.label_zh(), "上传材料");
    assert_eq!(MaterialKind::Commitment.label_zh(), "告知承诺");
    assert_eq!(ListLevel::NationalKey.label_zh(), "国家重点");
    assert_eq!(ListLevel::LocalFeatured.label_zh(), "地方特色");
    for (text, level) in [
        ("A", TrustLevel::A),
        ("B", TrustLevel::B),
        ("C", TrustLevel::C),
        ("D", TrustLevel::D),
    ] {
        assert_eq!(TrustLevel::parse(text), Some(level));
    }
    assert_eq!(TrustLevel::parse("E"), None);
    let catalog = testkit::catalog();
    assert_eq!(catalog.department_name("WJ"), "卫生健康委员会");
    assert_eq!(catalog.department_name("XX"), "XX");
    let newborn = catalog.one_thing("newborn").unwrap();
    let first = &newborn.members[0].item;
    assert_eq!(&newborn.member(first).unwrap().item, first);
    let elsewhere = catalog
        .items
        .keys()
        .find(|code| !newborn.members.iter().any(|m| &m.item == *code))
        .unwrap();
    assert!(newborn.member(elsewhere).is_none());
}
