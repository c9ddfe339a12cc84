//! Which data elements a department is shown: those its items use, and the new
//! value (变更后) of any registered value it holds, so that a change reaches every
//! department that keeps the old one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use domain::{Account, Role};

fn staff(department: &str) -> Account {
    Account {
        id: format!("staff-{department}"),
        username: format!("staff-{department}"),
        display_name: "工作人员".into(),
        role: Role::Staff,
        department: Some(department.into()),
        id_number: None,
        password_hash: String::new(),
    }
}

async fn change_case(change_name: &str, change_address: &str) -> (app::AppState, cases::Case) {
    let (catalog, calendar) = (testkit::catalog(), testkit::calendar());
    let one_thing = catalog.one_thing("enterprise-change").unwrap();
    let answers: catalog::Answers = serde_json::from_value(serde_json::json!({
        "change_name": change_name, "change_legal_rep": "no", "change_address": change_address,
        "change_scope": "no", "has_employees_insured": "yes", "has_housing_fund": "yes"
    }))
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 12).unwrap();
    let plan = catalog::compute_plan(
        &catalog,
        one_thing,
        &answers,
        &catalog::Holdings::default(),
        today,
        &calendar,
    )
    .unwrap();
    let form = testkit::sample_form(&catalog, &plan);
    let id = cases::CaseId::parse("C-20260212-0001").unwrap();
    let at = chrono::DateTime::from_timestamp(1_770_868_800, 0).unwrap();
    let mut case = cases::Case::create(&catalog, &calendar, &plan, id, "applicant-lisi", &form, at)
        .unwrap()
        .case;
    // 市场监管 registers the change first; that dispatches the other departments' tasks.
    let sj = cases::Actor::Staff {
        account: "staff-sj".into(),
        department: "SJ".into(),
    };
    let item: ids::ItemCode = "XK00601002".parse().unwrap();
    for action in [
        cases::Action::Accept,
        cases::Action::Approve {
            outputs: Default::default(),
        },
    ] {
        case = case.act(&catalog, &calendar, &sj, &item, action, at).unwrap().case;
    }
    let store = Arc::new(store::SqliteStore::open_in_memory().await.unwrap());
    let state = app::AppState::new(store, Arc::new(catalog), Arc::new(calendar));
    (state, case)
}

#[tokio::test]
async fn a_department_holding_the_registered_name_sees_the_new_one() {
    let (state, case) = change_case("yes", "no").await;
    assert!(
        case.form.contains_key("enterprise.new_name"),
        "the plan asks for the new name"
    );
    // 社保 (RS) and 公积金 (GJJ) keep the enterprise's name; their items do not ask
    // for the new one, yet they must learn it.
    for department in ["RS", "GJJ"] {
        assert!(
            case.tasks_of_department(department).next().is_some(),
            "{department} has a task"
        );
        let shown = app::case::visible_elements(&state, &staff(department), &case);
        assert!(shown.contains("enterprise.name"), "{department}: {shown:?}");
        assert!(shown.contains("enterprise.new_name"), "{department}: {shown:?}");
        // Nothing the change did not touch.
        assert!(!shown.contains("enterprise.new_address"), "{department}: {shown:?}");
    }
    // A department with no task in the case is shown nothing.
    assert!(app::case::visible_elements(&state, &staff("WJ"), &case).is_empty());
}

#[tokio::test]
async fn only_what_changes_has_a_new_value_to_show() {
    // The domicile changes, the name does not.
    let (state, case) = change_case("no", "yes").await;
    assert!(!case.form.contains_key("enterprise.new_name"));
    let shown = app::case::visible_elements(&state, &staff("RS"), &case);
    assert!(
        shown.contains("enterprise.name") && shown.contains("enterprise.new_address"),
        "{shown:?}"
    );
    assert!(!shown.contains("enterprise.new_name"), "{shown:?}");
}
