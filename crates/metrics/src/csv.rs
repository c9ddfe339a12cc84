//! A table of figures as CSV (RFC 4180).

use std::fmt::Write as _;

use catalog::plan::Figure;

use crate::Figures;

/// The columns of [`to_csv`], in order: (English id, Chinese label). The header cell
/// of a column is `label (id)`, e.g. `办结事项数 (tasks_done)`.
pub const COLUMNS: [(&str, &str); 38] = [
    ("code", "编码"),
    ("name", "名称"),
    ("cases", "办件数"),
    ("cases_in_progress", "办理中"),
    ("cases_awaiting_supplement", "待补正"),
    ("cases_completed", "已办结"),
    ("cases_rejected", "办结（部分不予办理）"),
    ("tasks_done", "办结事项数"),
    ("tasks_on_time", "按期办结事项数"),
    ("tasks_not_timed", "无法计时事项数"),
    ("median_days_used", "用时中位数（工作日）"),
    ("p90_days_used", "用时90分位（工作日）"),
    ("median_limit_days", "承诺时限中位数（工作日）"),
    ("on_time_rate", "按期办结率"),
    ("overdue_now", "当前逾期事项数"),
    ("due_soon_now", "当前临近期限事项数"),
    ("cases_with_supplement", "补正办件数"),
    ("supplement_rate", "补正率"),
    ("satisfaction_1", "非常不满意"),
    ("satisfaction_2", "不满意"),
    ("satisfaction_3", "基本满意"),
    ("satisfaction_4", "满意"),
    ("satisfaction_5", "非常满意"),
    ("rectifications_open", "整改中"),
    ("rectifications_late", "整改超期未结"),
    ("rectifications_closed", "整改已结"),
    ("rectifications_closed_late", "整改超期办结"),
    ("designed_materials_alone", "设计材料数（单独办理）"),
    ("designed_materials", "设计材料数（一件事）"),
    ("designed_fields_alone", "设计填报字段数（单独办理）"),
    ("designed_fields", "设计填报字段数（一件事）"),
    ("designed_days_alone", "设计时限（单独办理，工作日）"),
    ("designed_days", "设计时限（一件事，工作日）"),
    ("designed_visits_alone", "设计跑动次数（单独办理）"),
    ("designed_visits", "设计跑动次数（一件事）"),
    ("designed_steps_alone", "设计环节数（单独办理）"),
    ("designed_steps", "设计环节数（一件事）"),
    ("achieved_materials_per_case", "实际件均材料数"),
];

/// A table of figures as CSV: a header row (see [`COLUMNS`]) and one row per
/// `(code, name, figures)`, lines ending in CRLF, cells quoted per RFC 4180 when they
/// hold a comma, a double quote, CR or LF. Absent values are empty cells; rates are
/// written with 4 decimals, averages with 2. No byte-order mark: add "\u{FEFF}" in
/// front when the file is meant for Excel.
pub fn to_csv(rows: &[(String, String, Figures)]) -> String {
    let mut out = String::new();
    let header: Vec<String> = COLUMNS.iter().map(|(id, zh)| format!("{zh} ({id})")).collect();
    push_row(&mut out, &header);
    for (code, name, figures) in rows {
        push_row(&mut out, &cells(code, name, figures));
    }
    out
}

fn cells(code: &str, name: &str, f: &Figures) -> Vec<String> {
    let state = |key: &str| f.cases_by_state.get(key).copied().unwrap_or(0).to_string();
    let opt = |value: Option<u32>| value.map(|v| v.to_string()).unwrap_or_default();
    let rate = |value: Option<f64>| value.map(|v| format!("{v:.4}")).unwrap_or_default();
    let designed = |pick: fn(&catalog::plan::Savings) -> Figure, alone: bool| {
        f.designed
            .as_ref()
            .map(|d| {
                let figure = pick(&d.savings);
                if alone { figure.alone } else { figure.one_thing }.to_string()
            })
            .unwrap_or_default()
    };
    let mut cells = vec![
        code.to_owned(),
        name.to_owned(),
        f.cases.to_string(),
        state("in_progress"),
        state("awaiting_supplement"),
        state("completed"),
        state("rejected"),
        f.tasks_done.to_string(),
        f.tasks_on_time.to_string(),
        f.tasks_not_timed.to_string(),
        opt(f.median_days_used),
        opt(f.p90_days_used),
        opt(f.median_limit_days),
        rate(f.on_time_rate),
        f.overdue_now.to_string(),
        f.due_soon_now.to_string(),
        f.cases_with_supplement.to_string(),
        rate(f.supplement_rate),
    ];
    cells.extend(f.satisfaction.iter().map(ToString::to_string));
    let r = f.rectifications;
    cells.extend(
        [r.open, r.late, r.closed, r.closed_late]
            .iter()
            .map(ToString::to_string),
    );
    cells.extend([
        designed(|s| s.materials, true),
        designed(|s| s.materials, false),
        designed(|s| s.fields, true),
        designed(|s| s.fields, false),
        designed(|s| s.days, true),
        designed(|s| s.days, false),
        designed(|s| s.visits, true),
        designed(|s| s.visits, false),
        designed(|s| s.steps, true),
        designed(|s| s.steps, false),
    ]);
    let average = |value: Option<f64>| value.map(|v| format!("{v:.2}")).unwrap_or_default();
    cells.push(average(f.achieved.map(|a| a.materials_per_case)));
    cells
}

fn push_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            let _ = write!(out, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_separators_or_quotes_are_quoted_and_quotes_doubled() {
        let mut out = String::new();
        push_row(
            &mut out,
            &[
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                String::new(),
            ],
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
