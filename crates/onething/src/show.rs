//! Plain-text Chinese renderings of the catalog and of a plan, for the terminal.

use std::fmt::Write;

use catalog::plan::{FieldSource, MaterialStatus};
use catalog::{Catalog, OneThing, Plan};

/// One line per one-thing.
pub fn list(catalog: &Catalog) -> String {
    let mut out = String::new();
    for one_thing in catalog.one_things.values() {
        let _ = writeln!(
            out,
            "{:<24} {}（{}，{}，{}，牵头：{}，{} 个事项）",
            one_thing.id.as_str(),
            one_thing.name,
            one_thing.level.label_zh(),
            one_thing.batch,
            one_thing.life_stage,
            catalog.department_name(&one_thing.lead),
            one_thing.members.len()
        );
    }
    out
}

/// One line per group of one-things (一类事), with its members.
pub fn groups(catalog: &Catalog) -> String {
    let mut out = String::new();
    for group in catalog.groups.values() {
        let members: Vec<&str> = group
            .members
            .iter()
            .filter_map(|id| catalog.one_things.get(id).map(|one| one.name.as_str()))
            .collect();
        let _ = writeln!(out, "{:<24} {}（{}）", group.id, group.name, members.join("、"));
    }
    out
}

/// A group of one-things taken together: its members, what they share (asked or
/// done once), and the combined 四减.
pub fn group(plan: &catalog::GroupPlan) -> String {
    let mut out = format!("{}（一类事）\n{}\n\n包含的一件事：\n", plan.name, plan.summary);
    for (n, member) in plan.members.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {}（{}，牵头：{}，{} 个事项，关键路径 {} 个工作日）",
            n + 1,
            member.name,
            member.id,
            member.lead_name,
            member.items,
            member.critical_path_days
        );
    }
    let shared = [
        ("共用的材料（交一次）", &plan.shared_materials),
        ("共用的表单字段（填一次）", &plan.shared_fields),
        ("共同的事项（办一次）", &plan.shared_items),
        ("共同涉及的部门", &plan.shared_departments),
    ];
    for (title, rows) in shared {
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}：");
        for row in rows {
            let _ = writeln!(out, "  {}（{}）", row.name, row.one_things.join("、"));
        }
    }
    let s = &plan.savings;
    let _ = writeln!(out, "\n合起来办（逐项单办 → 分别办各件事 → 一起办）：");
    for (label, figure) in [
        ("事项", s.items),
        ("材料", s.materials),
        ("填写字段", s.fields),
        ("工作日", s.days),
        ("跑动次数", s.visits),
        ("环节", s.steps),
    ] {
        let _ = writeln!(
            out,
            "  {label}：{} → {} → {}（一起办再省 {}）",
            figure.alone,
            figure.separately,
            figure.together,
            figure.saved_together()
        );
    }
    out
}

/// The situation questions with their options, as `--answer` hints.
pub fn questions(one_thing: &OneThing) -> String {
    let mut out = format!("{} 的情形问题：\n", one_thing.name);
    for question in &one_thing.questions {
        let options: Vec<String> = question
            .options
            .iter()
            .map(|o| format!("{}={}（{}）", question.id, o.value, o.label))
            .collect();
        let only_when = question
            .when
            .as_ref()
            .map(|when| format!("（仅当{}时回答）", when.describe(&one_thing.questions)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}{only_when}\n    --answer {}",
            question.text,
            options.join(" | ")
        );
    }
    out
}

/// The whole personalised notice.
pub fn plan(catalog: &Catalog, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "【{}】一次告知", plan.name);
    let _ = writeln!(out, "牵头部门：{}", catalog.department_name(&plan.lead));
    let _ = writeln!(
        out,
        "申请日期：{}　承诺办结：{}{}（{} 个工作日）",
        plan.start_date,
        if plan.promised_date_provisional { "预计 " } else { "" },
        plan.promised_date,
        plan.critical_path_days
    );
    let _ = writeln!(out, "工作日依据：{}", plan.calendar_basis);
    if plan.promised_date_provisional {
        let _ = writeln!(
            out,
            "（{}年节假日安排尚未公布，日期按《全国年节及纪念日放假办法》推算，公布后可能调整）",
            plan.promised_date.format("%Y")
        );
    }

    if let Some(report) = &plan.report {
        let _ = writeln!(
            out,
            "\n您将收到：一份《{}》，由{}汇总出具（{}）",
            report.document,
            report.issuer_name,
            if plan.critical_path_days == 0 {
                "受理后当场出具".to_owned()
            } else {
                format!("{} 个工作日内", plan.critical_path_days)
            }
        );
        let _ = writeln!(out, "核查对象：申请表中的{}", report.subject_name);
        if let Some(period) = &report.period {
            let _ = writeln!(out, "核查期间：{period}");
        }
        let _ = writeln!(
            out,
            "以下 {} 项由各部门核查作答（没有相关记录的注明“无记录”，有记录的逐条列明）：",
            report.sections.len()
        );
        for section in &report.sections {
            let _ = writeln!(
                out,
                "  - {}：{}（承诺 {} 个工作日）",
                section.department_name, section.name, section.promised_limit_days
            );
        }
    }

    let _ = writeln!(out, "\n一、办理事项（{} 项，同一阶段并联办理）", plan.items.len());
    for item in &plan.items {
        let waits = if item.after.is_empty() {
            "受理后即办".to_owned()
        } else {
            let names: Vec<String> = item
                .after
                .iter()
                .map(|code| {
                    catalog
                        .items
                        .get(code)
                        .map(|i| i.name.clone())
                        .unwrap_or_else(|| code.to_string())
                })
                .collect();
            format!("待 {} 完成后办理", names.join("、"))
        };
        let _ = writeln!(
            out,
            "  第{}阶段  {} {}（{}）承诺 {} 个工作日，{}，预计 {} 前完成{}",
            item.stage,
            item.code,
            item.name,
            item.department_name,
            item.promised_limit_days,
            waits,
            item.due_date,
            if item.due_date_provisional {
                "（暂定日历）"
            } else {
                ""
            }
        );
    }
    for skipped in &plan.skipped_items {
        let _ = writeln!(out, "  不需办理  {} {}（按您的情形）", skipped.code, skipped.name);
    }

    let to_type: usize = plan
        .form
        .iter()
        .flat_map(|g| &g.fields)
        .filter(|f| f.source == FieldSource::Applicant)
        .count();
    let total: usize = plan.form.iter().map(|g| g.fields.len()).sum();
    let _ = writeln!(out, "\n二、一张表单（共 {total} 项，需填写 {to_type} 项）");
    for group in &plan.form {
        let _ = writeln!(out, "  {}", group.name);
        for field in &group.fields {
            let source = match &field.source {
                FieldSource::Applicant => "需填写".to_owned(),
                FieldSource::SharedData { department } => {
                    format!("由{}共享数据自动填入", catalog.department_name(department))
                }
                FieldSource::ProducedBy { item } => {
                    format!(
                        "由“{}”办结后自动填入",
                        catalog
                            .items
                            .get(item)
                            .map(|i| i.name.as_str())
                            .unwrap_or(item.as_str())
                    )
                }
            };
            let _ = writeln!(out, "    - {}（{}）", field.name, source);
        }
    }

    let needed: Vec<_> = plan.materials.iter().filter(|m| m.is_needed()).collect();
    let _ = writeln!(out, "\n三、一套材料（需提交 {} 份）", needed.len());
    for material in &plan.materials {
        let status = match &material.status {
            MaterialStatus::Needed if material.kind == "告知承诺" => "在线签署".to_owned(),
            MaterialStatus::Needed => "需提交".to_owned(),
            MaterialStatus::HeldCertificate { certificate } => format!("免提交：已有电子证照“{certificate}”"),
            MaterialStatus::ProducedBy { item } => {
                format!(
                    "免提交：由“{}”在本次办理中生成",
                    catalog
                        .items
                        .get(item)
                        .map(|i| i.name.as_str())
                        .unwrap_or(item.as_str())
                )
            }
            MaterialStatus::SharedData {
                departments,
                on_consent,
            } => {
                format!(
                    "免提交：{}由部门通过数据共享从{}获取{}",
                    if *on_consent { "经您授权后" } else { "" },
                    departments.join("、"),
                    if *on_consent { "（不授权则需提交）" } else { "" }
                )
            }
            MaterialStatus::CertificateLibrary {
                certificate,
                issuer,
                on_consent,
            } => {
                format!(
                    "免提交：{}由部门从电子证照库调取{}签发的“{certificate}”{}",
                    if *on_consent { "经您授权后" } else { "" },
                    issuer,
                    if *on_consent { "（不授权则需提交）" } else { "" }
                )
            }
        };
        let _ = writeln!(
            out,
            "  - {}（{}，可信等级 {:?}）{}",
            material.name, material.kind, material.trust, status
        );
    }

    let s = &plan.savings;
    let _ = writeln!(out, "\n四、比分别办理节省（四减）");
    let _ = writeln!(
        out,
        "  少交 {} 份材料（{} → {}，减少 {}%）",
        s.materials.saved(),
        s.materials.alone,
        s.materials.one_thing,
        s.materials.saved_percent()
    );
    let _ = writeln!(
        out,
        "  少填 {} 项表单（{} → {}，减少 {}%）",
        s.fields.saved(),
        s.fields.alone,
        s.fields.one_thing,
        s.fields.saved_percent()
    );
    let _ = writeln!(
        out,
        "  少等 {} 个工作日（{} → {}，减少 {}%）",
        s.days.saved(),
        s.days.alone,
        s.days.one_thing,
        s.days.saved_percent()
    );
    let _ = writeln!(
        out,
        "  少跑 {} 次（{} → {}，减少 {}%）",
        s.visits.saved(),
        s.visits.alone,
        s.visits.one_thing,
        s.visits.saved_percent()
    );
    let _ = writeln!(
        out,
        "  少 {} 个环节（{} → {}，减少 {}%）",
        s.steps.saved(),
        s.steps.alone,
        s.steps.one_thing,
        s.steps.saved_percent()
    );
    out
}
