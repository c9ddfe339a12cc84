//! From a description to a proposed application: what is proposed, from which
//! clause, and what is refused.

use chrono::NaiveDate;
use guide::SearchIndex;
use guide::intake::propose;

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn read(description: &str, today: &str) -> guide::Proposal {
    let catalog = testkit::catalog();
    let index = SearchIndex::new(&catalog);
    propose(&catalog, &index, description, None, day(today)).unwrap()
}

fn answer<'a>(proposal: &'a guide::Proposal, question: &str) -> Option<&'a guide::ProposedAnswer> {
    proposal.answers.iter().find(|a| a.question == question)
}

fn field<'a>(proposal: &'a guide::Proposal, element: &str) -> Option<&'a str> {
    proposal
        .fields
        .iter()
        .find(|f| f.element == element)
        .map(|f| f.value.as_str())
}

#[test]
fn the_issue_s_newborn_description_becomes_a_proposal_with_its_sentences() {
    // 2026-03-12 is a Thursday: 上周三 is 2026-03-04.
    let proposal = read(
        "我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保",
        "2026-03-12",
    );
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "newborn");
    let hukou = answer(&proposal, "hukou_local").unwrap();
    assert_eq!(
        (hukou.value.as_str(), hukou.sentence.as_str()),
        ("yes", "我们都是本市户口")
    );
    assert_eq!(answer(&proposal, "insure_child").unwrap().sentence, "办医保");
    let married = answer(&proposal, "parents_married").unwrap();
    assert_eq!((married.value.as_str(), married.phrase.as_str()), ("yes", "我老婆"));
    // Nothing was said about 生育保险: no answer is proposed for it.
    assert!(answer(&proposal, "maternity_claim").is_none());
    assert_eq!(field(&proposal, "child.birth_date"), Some("2026-03-04"));
    assert_eq!(field(&proposal, "child.sex"), Some("女"));
    assert_eq!(field(&proposal, "child.birth_hospital"), Some("市妇幼"));
    for proposed in &proposal.fields {
        assert!(!proposed.sentence.is_empty(), "{proposed:?} has no sentence");
    }
}

#[test]
fn names_go_to_the_role_named_before_them_and_id_numbers_need_their_check_digit() {
    // 11010519491231002X is the standard's example with a valid check digit.
    let proposal = read(
        "我老婆叫刘芳，身份证号11010519491231002X。昨天生了个儿子，取名王小明。我的身份证110105194912310021",
        "2026-03-12",
    );
    assert_eq!(field(&proposal, "mother.name"), Some("刘芳"));
    assert_eq!(field(&proposal, "child.name"), Some("王小明"));
    assert_eq!(field(&proposal, "child.sex"), Some("男"));
    assert_eq!(field(&proposal, "child.birth_date"), Some("2026-03-11"));
    assert_eq!(field(&proposal, "mother.id_number"), Some("11010519491231002X"));
    assert_eq!(
        field(&proposal, "father.id_number"),
        None,
        "a wrong check digit is not proposed"
    );
    assert!(
        proposal
            .notes
            .iter()
            .any(|n| n.contains("110105********0021") && n.contains("校验位")),
        "{:?}",
        proposal.notes
    );
}

#[test]
fn negations_and_contradictions_propose_nothing_wrong() {
    let proposal = read("孩子上周出生了，不办医保，外地户口，回老家落户", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "newborn");
    assert_eq!(answer(&proposal, "insure_child").map(|a| a.value.as_str()), Some("no"));
    assert_eq!(answer(&proposal, "hukou_local").map(|a| a.value.as_str()), Some("no"));
    let mixed = read("生了个女儿，本市户口，也可能是外地户口", "2026-03-12");
    assert!(answer(&mixed, "hukou_local").is_none());
    assert!(mixed.notes.iter().any(|n| n.contains("不同的说法")));
    // 上周 alone names no day: no birth date is made up.
    assert_eq!(field(&proposal, "child.birth_date"), None);
}

#[test]
fn other_one_things_are_read_too_and_unknown_ones_propose_nothing() {
    let proposal = read("我们公司法人换人了，地址也变了，想把营业执照改一下", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "enterprise-change");
    assert_eq!(answer(&proposal, "change_legal_rep").unwrap().value, "yes");
    assert_eq!(answer(&proposal, "change_address").unwrap().value, "yes");
    assert!(answer(&proposal, "change_name").is_none());

    let proposal = read("我父亲叫张建国，前天在家去世了", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "after-death");
    assert_eq!(answer(&proposal, "death_place").unwrap().value, "outside");
    assert_eq!(field(&proposal, "deceased.death_date"), Some("2026-03-10"));
    assert_eq!(field(&proposal, "deceased.name"), Some("张建国"));

    let nothing = read("我想办一本护照出国旅游", "2026-03-12");
    assert!(nothing.one_thing.is_none() && nothing.answers.is_empty() && nothing.fields.is_empty());
}

#[test]
fn the_same_description_gives_the_same_proposal() {
    let text = "我老婆上周三在市妇幼生了个女儿，我们都是本市户口";
    let a = read(text, "2026-03-12");
    let b = read(text, "2026-03-12");
    assert_eq!(a.answers, b.answers);
    assert_eq!(a.fields, b.fields);
}

/// The floors are what the labelled descriptions reach (98 descriptions: one-thing
/// 95/98; answers 165/165 proposed right, 165/174 found; values 54/54 right, 54/57
/// found). The 23 added last measured, before the phone numbers, the applicant's role
/// and denied cues were read: one-thing 93/98 over all 98, answers 132/135 right and
/// 132/172 found, values 27/27 and 27/55. No proposal may come without the clause it
/// was read from, and none may be wrong; the counts leave a margin of one or two.
#[test]
fn the_labelled_descriptions_are_read_as_well_as_measured() {
    let catalog = testkit::catalog();
    let index = SearchIndex::new(&catalog);
    let set = guide::eval::parse_descriptions(include_str!("data/intake.tsv"));
    assert!(set.len() >= 90);
    let accuracy = guide::eval::measure_intake(&catalog, &index, &set, day("2026-03-12"));
    assert!(
        accuracy.one_thing_right >= 94
            && accuracy.answers_right == accuracy.answers_proposed
            && accuracy.answers_right >= 163
            && accuracy.fields_right == accuracy.fields_proposed
            && accuracy.fields_right >= 53
            && accuracy.without_sentence == 0,
        "{accuracy:#?}"
    );
    // Issue #19's goal: at least 80 % of the stated answers and values proposed.
    assert!(accuracy.answer_recall() >= 0.8 && accuracy.field_recall() >= 0.8);
}

/// Every one-thing has a labelled description that states situation answers.
#[test]
fn every_one_thing_has_a_labelled_description_with_answers() {
    let catalog = testkit::catalog();
    let set = guide::eval::parse_descriptions(include_str!("data/intake.tsv"));
    for (id, one) in &catalog.one_things {
        if one.questions.is_empty() {
            continue;
        }
        assert!(
            set.iter().any(|d| d.expected == id.as_str() && !d.answers.is_empty()),
            "no labelled description with answers for {id}"
        );
    }
}

#[test]
fn a_denied_cue_answers_no_to_a_yes_or_no_question() {
    let proposal = read("我要注册一家公司，没有员工，不需要刻章", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "enterprise-startup");
    let employees = answer(&proposal, "has_employees").unwrap();
    assert_eq!(
        (employees.value.as_str(), employees.sentence.as_str()),
        ("no", "没有员工")
    );
    assert_eq!(answer(&proposal, "need_seal").unwrap().value, "no");
    let proposal = read("我要注册一家公司，要刻章，有三个员工", "2026-03-12");
    assert_eq!(answer(&proposal, "need_seal").unwrap().value, "yes");
    assert_eq!(answer(&proposal, "has_employees").unwrap().value, "yes");
    // A verb between the negation and the cue (不是低保户, 没开公积金账户) and a
    // denial written after it (燃气不用) deny it as well.
    let proposal = read("上个月在外地住院，已经备案了，我不是低保户", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "medical-reimbursement");
    assert_eq!(answer(&proposal, "assistance").unwrap().value, "no");
    let proposal = read("全款买的二手房，水电要过户，燃气不用", "2026-03-12");
    assert_eq!(answer(&proposal, "move_gas").unwrap().value, "no");
    assert_eq!(answer(&proposal, "move_power").unwrap().value, "yes");
    assert_eq!(answer(&proposal, "loan").unwrap().value, "no");
    let proposal = read("孩子昨天出生了，我没有交过生育保险", "2026-03-12");
    assert_eq!(answer(&proposal, "maternity_claim").unwrap().value, "no");
    // What is denied after a cue must be the cue's own doing: 刻章不用跑 keeps 刻章.
    let proposal = read("我要注册一家公司，刻章不用跑腿，公积金暂不开", "2026-03-12");
    assert_eq!(answer(&proposal, "need_seal").unwrap().value, "yes");
    assert_eq!(answer(&proposal, "open_housing_fund").unwrap().value, "no");
    // A denial says nothing to a question with more than yes and no: 没丢 is not
    // 首次申领 nor 换领.
    let proposal = read("社保卡没丢，想开通坐地铁的功能", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "social-security-card");
    assert!(answer(&proposal, "card_status").is_none(), "{:?}", proposal.answers);
}

#[test]
fn phone_numbers_are_proposed_for_whose_they_are_with_their_sentence() {
    let proposal = read(
        "我的社保卡丢了要补办，我叫刘洋，身份证320102199003152143，手机17712345678",
        "2026-03-12",
    );
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "social-security-card");
    assert_eq!(field(&proposal, "person.name"), Some("刘洋"));
    // An ID number named for no one else is the applicant's own.
    assert_eq!(field(&proposal, "person.id_number"), Some("320102199003152143"));
    let phone = proposal.fields.iter().find(|f| f.element == "person.phone").unwrap();
    assert_eq!(
        (phone.value.as_str(), phone.sentence.as_str()),
        ("17712345678", "手机17712345678")
    );

    // The legal representative's number goes to the legal representative, a landline
    // with its area code to the applicant.
    let proposal = read(
        "公司法人换人了，新法人电话13912345678。我是经办人，电话0571-87654321",
        "2026-03-12",
    );
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "enterprise-change");
    assert_eq!(field(&proposal, "enterprise.legal_rep_phone"), Some("13912345678"));
    assert_eq!(field(&proposal, "person.phone"), Some("0571-87654321"));

    // What only looks like a phone number is not one: 12 is no mobile prefix, ten
    // digits are too few, and an ID number's digits are not a phone number.
    for text in [
        "社保卡丢了，电话12345678901",
        "社保卡丢了，电话1381234567",
        "社保卡丢了，身份证号11010519491231002X",
    ] {
        let proposal = read(text, "2026-03-12");
        assert_eq!(field(&proposal, "person.phone"), None, "{text}");
    }
}

#[test]
fn a_list_written_with_dunhao_is_read_whole_and_shown_as_written() {
    let proposal = read("贷款买了一套二手房，过户的时候水、电、燃气都要一起过户", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "second-hand-home");
    for question in ["move_water", "move_power", "move_gas"] {
        assert_eq!(
            answer(&proposal, question).map(|a| a.value.as_str()),
            Some("yes"),
            "{question}"
        );
    }
    assert_eq!(
        answer(&proposal, "move_water").unwrap().sentence,
        "过户的时候水、电、燃气都要一起过户"
    );
    // Where one item says it alone, that item is the sentence shown.
    let proposal = read(
        "我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保",
        "2026-03-12",
    );
    assert_eq!(answer(&proposal, "insure_child").unwrap().sentence, "办医保");
}

#[test]
fn a_name_in_a_later_clause_belongs_to_the_role_named_earlier_in_the_sentence() {
    let proposal = read(
        "我爱人前天在区妇幼保健院生了个儿子，名字叫孙浩然，我们是本市户口",
        "2026-03-12",
    );
    assert_eq!(field(&proposal, "child.name"), Some("孙浩然"));
    assert_eq!(field(&proposal, "child.birth_hospital"), Some("区妇幼保健院"));
    assert_eq!(field(&proposal, "child.birth_date"), Some("2026-03-10"));
    // The role does not carry over into the next sentence.
    let proposal = read("生了个儿子。名字叫孙浩然", "2026-03-12");
    assert_eq!(field(&proposal, "child.name"), None);
}

#[test]
fn a_cue_inside_a_cue_for_another_question_still_answers_its_own() {
    let proposal = read("结婚了想把户口迁到老公这边", "2026-03-12");
    assert_eq!(proposal.one_thing.as_ref().unwrap().0, "hukou-migration");
    assert_eq!(answer(&proposal, "reason").unwrap().value, "kin");
    let spouse = answer(&proposal, "married_kin").unwrap();
    assert_eq!(
        (spouse.value.as_str(), spouse.sentence.as_str()),
        ("yes", "结婚了想把户口迁到老公这边")
    );
}
