//! Dashboards: for supervisors every one-thing and department, for a department its
//! own row. Figures come from `metrics::compute`; charts are drawn here as SVG, each
//! with its data as a table, and every table is downloadable as CSV.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use metrics::Figures;
use minijinja::context;

use super::{Page, Shared, page};
use crate::AppState;
use crate::app::dashboards::{Reading, Row, Scoped};

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn days(value: Option<u32>) -> String {
    value.map_or_else(|| "—".to_owned(), |d| d.to_string())
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart of `rows` (label, value, shown text) scaled to `max`.
/// Presentation attributes only: the CSP forbids inline styles.
fn bar_chart(title: &str, rows: &[(String, f64, String)], max: f64) -> String {
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 360.0;
    const ROW: f64 = 30.0;
    let height = 20.0 + ROW * rows.len() as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        LABEL + WIDTH + 90.0,
        xml_escape(title)
    );
    for (index, (label, value, shown)) in rows.iter().enumerate() {
        let y = 10.0 + ROW * index as f64;
        let length = if max > 0.0 {
            (value / max).clamp(0.0, 1.0) * WIDTH
        } else {
            0.0
        };
        let name: String = label.chars().take(12).collect();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{length:.1}\" height=\"20\" fill=\"#0b57a4\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            y + 15.0,
            xml_escape(&name),
            LABEL + length + 6.0,
            y + 15.0,
            xml_escape(shown)
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn good_share(figures: &Figures) -> Option<f64> {
    let total: u64 = figures.satisfaction.iter().sum();
    (total > 0).then(|| (figures.satisfaction[3] + figures.satisfaction[4]) as f64 / total as f64)
}

fn row_of(name: &str, f: &Figures) -> Vec<String> {
    let designed = f
        .designed
        .as_ref()
        .map(|d| d.savings.materials.one_thing.to_string())
        .unwrap_or_else(|| "—".into());
    let achieved = f
        .achieved
        .map(|a| format!("{:.2}", a.materials_per_case))
        .unwrap_or_else(|| "—".into());
    vec![
        name.to_owned(),
        f.cases.to_string(),
        percent(f.on_time_rate),
        format!("{} / {}", days(f.median_days_used), days(f.p90_days_used)),
        days(f.median_limit_days),
        f.overdue_now.to_string(),
        percent(f.supplement_rate),
        percent(good_share(f)),
        format!("{} / {}", f.rectifications.open, f.rectifications.late),
        format!("{designed} / {achieved}"),
    ]
}

const HEADERS: [&str; 10] = [
    "名称",
    "办件",
    "按期办结率",
    "用时中位数/90%（工作日）",
    "承诺时限中位数",
    "当前逾期",
    "补正率",
    "满意率",
    "整改中/逾期",
    "材料：设计/实际（每件）",
];

/// The user's dashboard, or the page that says why not.
async fn scoped(state: &AppState, page: &Page, reading: Reading<'_>) -> Result<Scoped, Response> {
    let Some(account) = page.user.as_ref() else {
        return Err(page.login_redirect());
    };
    crate::app::dashboards::scoped(state, account, reading)
        .await
        .map_err(|error| match error.code {
            "E_FORBIDDEN" => page.message(error.status, "仅限工作人员", "统计面板供部门和督办人员使用。"),
            "E_DEPARTMENT_NOT_FOUND" => page.not_found(),
            _ => page.message(error.status, "系统繁忙", "请稍后再试。"),
        })
}

pub async fn show(axum::extract::State(state): Shared, headers: HeaderMap) -> Response {
    let page = page(&state, &headers, "/dashboard").await;
    let Scoped {
        heading,
        today,
        figures,
        one_things,
        departments,
    } = match scoped(&state, &page, Reading::View).await {
        Ok(scoped) => scoped,
        Err(response) => return response,
    };
    let figures = &figures;
    let state_count = |key: &str| figures.cases_by_state.get(key).copied().unwrap_or(0);
    let summary = context! {
        cases => figures.cases, in_progress => state_count("in_progress"), awaiting_supplement => state_count("awaiting_supplement"),
        completed => state_count("completed"), rejected => state_count("rejected"),
        on_time => percent(figures.on_time_rate), tasks_on_time => figures.tasks_on_time, tasks_done => figures.tasks_done,
        median => days(figures.median_days_used), p90 => days(figures.p90_days_used), limit => days(figures.median_limit_days),
        overdue_now => figures.overdue_now, due_soon_now => figures.due_soon_now, supplement_rate => percent(figures.supplement_rate),
        rect_open => figures.rectifications.open, rect_late => figures.rectifications.late,
        rect_closed => figures.rectifications.closed, rect_closed_late => figures.rectifications.closed_late,
    };
    // Charts: on-time rate by one-thing (or department), and the satisfaction levels.
    let rate_rows: Vec<(String, f64, String)> = one_things
        .iter()
        .chain(departments.iter())
        .filter(|(_, _, f)| f.tasks_done > 0)
        .map(|(_, name, f)| (name.clone(), f.on_time_rate.unwrap_or(0.0), percent(f.on_time_rate)))
        .collect();
    let satisfaction_rows: Vec<(String, f64, String)> = metrics::SATISFACTION_LABELS
        .iter()
        .zip(figures.satisfaction.iter())
        .rev()
        .map(|(label, count)| ((*label).to_owned(), *count as f64, format!("{count} 条")))
        .collect();
    let max_satisfaction = figures.satisfaction.iter().copied().max().unwrap_or(0) as f64;
    let charts = vec![
        context! {
            title => "按期办结率", caption => "每条横条为已办结事项中按期办结的比例",
            svg => bar_chart("按期办结率", &rate_rows, 1.0),
            headers => ["名称", "按期办结率"],
            rows => rate_rows.iter().map(|(name, _, shown)| vec![name.clone(), shown.clone()]).collect::<Vec<_>>(),
        },
        context! {
            title => "满意度分布（好差评）", caption => "各评价等级的条数",
            svg => bar_chart("满意度分布", &satisfaction_rows, max_satisfaction),
            headers => ["评价", "条数"],
            rows => satisfaction_rows.iter().map(|(name, _, shown)| vec![name.clone(), shown.clone()]).collect::<Vec<_>>(),
        },
    ];
    let table = |title: &str, csv: &str, rows: &[Row]| {
        context! {
            title => title, csv => csv, headers => HEADERS,
            rows => rows.iter().map(|(_, name, f)| row_of(name, f)).collect::<Vec<_>>(),
        }
    };
    let tables = vec![
        table("按一件事", "/dashboard/one-things.csv", &one_things),
        table("按部门", "/dashboard/departments.csv", &departments),
    ];
    page.render(
        "dashboard.html",
        "效能统计",
        context! { heading => heading, today => today.to_string(), s => summary, charts => charts, tables => tables },
    )
}

/// `one-things.csv` or `departments.csv`: the rows of the page's tables.
pub async fn csv(axum::extract::State(state): Shared, headers: HeaderMap, Path(name): Path<String>) -> Response {
    let page = page(&state, &headers, "/dashboard").await;
    if !matches!(name.as_str(), "one-things.csv" | "departments.csv") {
        return page.not_found();
    }
    let scoped = match scoped(&state, &page, Reading::Export(&name)).await {
        Ok(scoped) => scoped,
        Err(response) => return response,
    };
    let rows = match name.as_str() {
        "one-things.csv" => scoped.one_things,
        "departments.csv" => scoped.departments,
        _ => return page.not_found(),
    };
    // A byte-order mark so that spreadsheet programs read the Chinese headers as UTF-8.
    let body = format!("\u{FEFF}{}", metrics::to_csv(&rows));
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
