//! Every SQL statement of the store, written once with PostgreSQL's numbered
//! placeholders (`$1`, `$2`, …), and the conversion to SQLite's (`?1`, `?2`, …).
//!
//! Both backends share the same table shapes (see `migrations/`), so apart from the
//! placeholders the statements are identical. Keep them to the common subset of the
//! two dialects: `ON CONFLICT … DO UPDATE SET … = excluded.…`, `NULLS LAST`,
//! `COALESCE`, `LIMIT`; no `RETURNING`, no JSON operators, no dialect functions.

use std::borrow::Cow;

/// Rewrites `$N` placeholders as `?N`, leaving string literals, quoted identifiers
/// and comments untouched. `$` not followed by a digit is copied as is.
pub(crate) fn to_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                // Copy the quoted text up to the matching quote; a doubled quote
                // inside is an escaped quote and simply continues the text.
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => out.push('?'),
            _ => out.push(c),
        }
    }
    out
}

/// A statement for a backend: borrowed as written for PostgreSQL, converted for SQLite.
pub(crate) fn for_backend(sql: &'static str, sqlite: bool) -> Cow<'static, str> {
    if sqlite {
        Cow::Owned(to_sqlite(sql))
    } else {
        Cow::Borrowed(sql)
    }
}

/// Rows per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535
/// bound parameters for the widest row (13 columns), and few enough that a
/// statement for each row count stays in the drivers' statement caches.
pub(crate) const ROWS_PER_INSERT: usize = 256;

/// A single-row `INSERT … VALUES ($1, …, $k) …` repeated for `rows` rows:
/// `VALUES ($1, …, $k), ($k+1, …, $2k), …`, anything after the value list (an
/// `ON CONFLICT` clause) kept. One statement instead of `rows` round trips.
pub(crate) fn multi_row(single: &str, rows: usize) -> String {
    multi_row_with(single, rows, true)
}

/// [`multi_row`] with SQLite's anonymous `?` placeholders (bound in order). SQLite
/// finds the name of a numbered parameter (`?12`) by a linear scan, which sqlx does
/// for every bound value: with hundreds of parameters a statement, numbered ones made
/// binding quadratic (38% of a bulk append's time went to `sqlite3_bind_parameter_name`).
pub(crate) fn multi_row_sqlite(single: &str, rows: usize) -> String {
    multi_row_with(single, rows, false)
}

fn multi_row_with(single: &str, rows: usize, numbered: bool) -> String {
    const VALUES: &str = "VALUES (";
    let start = single.find(VALUES).map(|at| at + VALUES.len()).unwrap_or(single.len());
    let end = single[start..].find(')').map(|at| start + at).unwrap_or(single.len());
    let columns = single[start..end].matches('$').count();
    let mut out = String::with_capacity(single.len() + rows * columns * 5);
    out.push_str(&single[..start - 1]);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            if numbered {
                out.push('$');
                out.push_str(&(row * columns + column + 1).to_string());
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out.push_str(&single[end + 1..]);
    out
}

// ---------------------------------------------------------------- benefit findings

/// The `FROM` and `WHERE` of a department's query of findings
/// ([`crate::FindingQuery`], its page aside): only the filters it has, so that each
/// shape of query plans on its index. A search by ID number reads the few rows of that
/// subject or recipient through their indexes first (a derived table), so the planner
/// cannot prefer walking the policy's whole list in order. Returns the two clauses and
/// the values to bind, in order, from `$1`.
fn findings_from_where(query: &crate::FindingQuery) -> (String, String, Vec<String>) {
    let mut binds = vec![query.policy.clone()];
    let from = match &query.subject {
        Some(subject) => {
            binds.push(subject.clone());
            binds.push(format!("person:{subject}"));
            binds.push(format!("enterprise:{subject}"));
            "(SELECT * FROM benefit_findings WHERE subject = $2 \
             UNION SELECT * FROM benefit_findings WHERE recipient IN ($3, $4)) AS f"
                .to_owned()
        }
        None => "benefit_findings".to_owned(),
    };
    let mut clause = String::from("policy = $1");
    let mut bind = |clause: &mut String, text: &str, value: &str| {
        binds.push(value.to_owned());
        let n = binds.len();
        clause.push_str(&text.replace("$?", &format!("${n}")));
    };
    if let Some(period) = &query.period {
        bind(&mut clause, " AND period = $?", period);
    }
    if let Some(state) = &query.state {
        bind(&mut clause, " AND state = $?", state);
    }
    if let Some(id) = &query.id {
        bind(&mut clause, " AND id = $?", id);
    }
    (from, clause, binds)
}

/// One page of findings: after the keyset position, by period (newest first) then
/// id; the page size is the last parameter.
pub(crate) fn findings_page(query: &crate::FindingQuery) -> (String, Vec<String>) {
    let (from, mut clause, mut binds) = findings_from_where(query);
    if let Some((period, id)) = &query.after {
        binds.push(period.clone());
        let p = binds.len();
        binds.push(id.clone());
        let i = binds.len();
        clause.push_str(&format!(" AND (period < ${p} OR (period = ${p} AND id > ${i}))"));
    }
    let limit = binds.len() + 1;
    (
        format!(
            "SELECT {} FROM {from} WHERE {clause} ORDER BY period DESC, id LIMIT ${limit}",
            crate::benefits::FINDING_COLUMNS
        ),
        binds,
    )
}

/// The totals of everything a query selects, by the database: the count, the amount
/// of those neither declined nor withdrawn, and how many are declined, objected and
/// confirmed. (PostgreSQL sums BIGINT as NUMERIC: cast back.)
pub(crate) fn findings_totals(query: &crate::FindingQuery) -> (String, Vec<String>) {
    let (from, clause, binds) = findings_from_where(query);
    (
        format!(
            "SELECT COUNT(*) AS count, \
             CAST(COALESCE(SUM(CASE WHEN state IN ('declined', 'withdrawn') THEN 0 ELSE amount_fen END), 0) AS BIGINT) AS amount_fen, \
             CAST(COALESCE(SUM(CASE WHEN state = 'declined' THEN 1 ELSE 0 END), 0) AS BIGINT) AS declined, \
             CAST(COALESCE(SUM(CASE WHEN state = 'objected' THEN 1 ELSE 0 END), 0) AS BIGINT) AS objected, \
             CAST(COALESCE(SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed \
             FROM {from} WHERE {clause}"
        ),
        binds,
    )
}

/// `$2, $3, …` for `count` values after the first parameter.
fn placeholders_after_first(count: usize, first: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The policy's (`$1`) findings with the ids `$2…`.
pub(crate) fn findings_by_ids(count: usize) -> String {
    format!(
        "SELECT {} FROM benefit_findings WHERE policy = $1 AND id IN ({}) ORDER BY period DESC, id",
        crate::benefits::FINDING_COLUMNS,
        placeholders_after_first(count, 2)
    )
}

/// The states of the policy's (`$1`) findings with the ids `$2…`.
pub(crate) fn finding_states(count: usize) -> String {
    format!(
        "SELECT id, state FROM benefit_findings WHERE policy = $1 AND id IN ({})",
        placeholders_after_first(count, 2)
    )
}

/// Confirms for payment the policy's (`$1`) granted findings with the ids `$4…`, with
/// the department's note (`$2`) at `$3`.
pub(crate) fn findings_confirm(count: usize) -> String {
    format!(
        "UPDATE benefit_findings SET state = 'confirmed', state_reason = $2, updated_at = $3 \
         WHERE policy = $1 AND state = 'granted' AND id IN ({})",
        placeholders_after_first(count, 4)
    )
}

// ---------------------------------------------------------------- migrations

pub(crate) const MIGRATION_APPLIED: &str = "SELECT version FROM schema_migrations WHERE version = $1";

pub(crate) const MIGRATION_RECORD: &str = "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";

pub(crate) const MIGRATION_LATEST: &str = "SELECT COALESCE(MAX(version), 0) AS latest FROM schema_migrations";

// ---------------------------------------------------------------- accounts

pub(crate) const ACCOUNT_PUT: &str = "INSERT INTO accounts \
     (id, username, display_name, role, department, id_number, password_hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (id) DO UPDATE SET \
     username = excluded.username, display_name = excluded.display_name, role = excluded.role, \
     department = excluded.department, id_number = excluded.id_number, \
     password_hash = excluded.password_hash";

/// Selects every column of `accounts` (read back by name).
macro_rules! account_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, username, display_name, role, department, id_number, password_hash FROM accounts",
            $tail
        )
    };
}

pub(crate) const ACCOUNT_BY_USERNAME: &str = account_select!(" WHERE username = $1");
pub(crate) const ACCOUNT_BY_ID: &str = account_select!(" WHERE id = $1");
pub(crate) const ACCOUNT_BY_ID_NUMBER: &str =
    account_select!(" WHERE id_number = $1 AND role = 'applicant' ORDER BY id LIMIT 1");
pub(crate) const ACCOUNT_LIST: &str = account_select!(" ORDER BY username, id");

// ---------------------------------------------------------------- sessions

pub(crate) const SESSION_CREATE: &str = "INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)";

pub(crate) const SESSION_ACCOUNT: &str = "SELECT a.id, a.username, a.display_name, a.role, a.department, \
     a.id_number, a.password_hash \
     FROM sessions s JOIN accounts a ON a.id = s.account_id \
     WHERE s.token_hash = $1 AND s.expires_at > $2";

pub(crate) const SESSION_DELETE: &str = "DELETE FROM sessions WHERE token_hash = $1";

pub(crate) const LOGIN_LOCKED_UNTIL: &str = "SELECT locked_until FROM login_failures WHERE username = $1";
pub(crate) const LOGIN_FAILURE_COUNT: &str = "INSERT INTO login_failures (username, failures, last_at) \
    VALUES ($1, 1, $2) ON CONFLICT (username) DO UPDATE SET failures = login_failures.failures + 1, \
    last_at = excluded.last_at RETURNING failures";
pub(crate) const LOGIN_LOCK: &str = "UPDATE login_failures SET locked_until = $2 WHERE username = $1";
pub(crate) const LOGIN_PRUNE: &str = "DELETE FROM login_failures WHERE last_at < $1 \
    AND (locked_until IS NULL OR locked_until < $2)";
pub(crate) const LOGIN_CLEAR: &str = "DELETE FROM login_failures WHERE username = $1";

pub(crate) const DRAFT_UPLOAD_PUT: &str = "INSERT INTO draft_uploads \
    (owner, one_thing, material, file_name, content_type, data, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (owner, one_thing, material) DO UPDATE SET file_name = excluded.file_name, \
    content_type = excluded.content_type, data = excluded.data, saved_at = excluded.saved_at";
pub(crate) const DRAFT_UPLOADS: &str = "SELECT material, file_name, content_type, data, saved_at \
    FROM draft_uploads WHERE owner = $1 AND one_thing = $2 ORDER BY material";
pub(crate) const DRAFT_UPLOADS_DELETE: &str = "DELETE FROM draft_uploads WHERE owner = $1 AND one_thing = $2";
pub(crate) const DRAFT_UPLOADS_PRUNE: &str = "DELETE FROM draft_uploads WHERE saved_at < $1";

// ---------------------------------------------------------------- cases

pub(crate) const KEY_CLAIM: &str = "INSERT INTO idempotency_keys (account, key, request_hash, case_id, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

pub(crate) const KEY_READ: &str = "SELECT request_hash, case_id FROM idempotency_keys WHERE account = $1 AND key = $2";

pub(crate) const CASE_INSERT: &str = "INSERT INTO cases \
     (id, applicant, one_thing, one_thing_name, state, submitted_at, promised_date, updated_at, version, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)";

pub(crate) const CASE_LOAD: &str = "SELECT doc, version FROM cases WHERE id = $1";

pub(crate) const CASE_UPDATE: &str = "UPDATE cases SET doc = $1, state = $2, updated_at = $3, version = version + 1 \
     WHERE id = $4 AND version = $5";

/// Selects the columns of a case summary (read back by name).
macro_rules! summary_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, one_thing, one_thing_name, state, submitted_at, promised_date FROM cases",
            $tail
        )
    };
}

pub(crate) const CASES_OF_APPLICANT: &str =
    summary_select!(" WHERE applicant = $1 ORDER BY submitted_at DESC, id DESC");

pub(crate) const CASES_ALL: &str = summary_select!(" ORDER BY submitted_at DESC, id DESC LIMIT $1");

/// The open states of a task, as they are stored.
const OPEN: &str = "state IN ('dispatched', 'accepted', 'supplement_requested')";

/// The statement of a [`crate::CaseQuery`] and the order of its parameters: each
/// filter that is set becomes one condition (so each query can use its index).
pub(crate) fn case_query(query: &crate::CaseQuery) -> (String, Vec<CaseParam>) {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    let mut next = |param: CaseParam, condition: &str, params: &mut Vec<CaseParam>| {
        params.push(param);
        conditions.push(condition.replace('?', &format!("${}", params.len())));
    };
    if query.applicant.is_some() {
        next(CaseParam::Applicant, "applicant = ?", &mut params);
    }
    if query.one_thing.is_some() {
        next(CaseParam::OneThing, "one_thing = ?", &mut params);
    }
    if query.state.is_some() {
        next(CaseParam::State, "state = ?", &mut params);
    }
    if query.case_id.is_some() {
        next(CaseParam::CaseId, "id = ?", &mut params);
    }
    if !query.one_things.is_empty() {
        let first = params.len() + 1;
        params.extend((0..query.one_things.len()).map(CaseParam::OneThingOf));
        let placeholders: Vec<String> = (first..=params.len()).map(|n| format!("${n}")).collect();
        conditions.push(format!("one_thing IN ({})", placeholders.join(", ")));
    }
    if query.open {
        conditions.push("state IN ('in_progress', 'awaiting_supplement')".to_owned());
    }
    if query.before.is_some() {
        params.push(CaseParam::BeforeAt);
        params.push(CaseParam::BeforeId);
        let (at, id) = (params.len() - 1, params.len());
        conditions.push(format!(
            "(submitted_at < ${at} OR (submitted_at = ${at} AND id < ${id}))"
        ));
    }
    params.push(CaseParam::Limit);
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    (
        format!(
            "SELECT id, one_thing, one_thing_name, state, submitted_at, promised_date FROM cases{filter} \
             ORDER BY submitted_at DESC, id DESC LIMIT ${}",
            params.len()
        ),
        params,
    )
}

/// A parameter of a case query, in the order [`case_query`] numbered them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaseParam {
    Applicant,
    OneThing,
    /// The n-th of [`crate::CaseQuery::one_things`].
    OneThingOf(usize),
    State,
    CaseId,
    BeforeAt,
    BeforeId,
    Limit,
}

/// The statement of a [`crate::QueueQuery`]: `$1` the department, then the filters
/// that are set (state, case), then the cursor (deadline, case, item), then the limit.
pub(crate) fn queue_query(query: &crate::QueueQuery) -> String {
    let mut conditions = vec![format!("department = $1 AND {OPEN}")];
    let mut n = 1;
    if query.state.is_some() {
        n += 1;
        conditions.push(format!("state = ${n}"));
    }
    if query.case_id.is_some() {
        n += 1;
        conditions.push(format!("case_id = ${n}"));
    }
    if query.after.is_some() {
        let (d, c, i) = (n + 1, n + 2, n + 3);
        n += 3;
        conditions.push(format!(
            "(COALESCE(deadline, '9999-12-31') > ${d} OR (COALESCE(deadline, '9999-12-31') = ${d} \
             AND (case_id > ${c} OR (case_id = ${c} AND item > ${i}))))"
        ));
    }
    format!(
        "SELECT case_id, item, name, state, deadline, dispatched_on, one_thing_name, promised_limit_days \
         FROM tasks WHERE {} ORDER BY COALESCE(deadline, '9999-12-31'), case_id, item LIMIT ${}",
        conditions.join(" AND "),
        n + 1
    )
}

/// Overdue counts only running tasks: no clock runs while a supplement is with
/// the applicant.
pub(crate) const QUEUE_COUNTS: &str = "SELECT COUNT(*) AS open, \
     COALESCE(SUM(CASE WHEN state <> 'supplement_requested' AND deadline < $2 THEN 1 ELSE 0 END), 0) AS overdue \
     FROM tasks WHERE department = $1 AND state IN ('dispatched', 'accepted', 'supplement_requested')";

pub(crate) const QUEUE_DUE_BETWEEN: &str = "SELECT deadline, promised_limit_days, COUNT(*) AS n FROM tasks \
     WHERE department = $1 AND state IN ('dispatched', 'accepted') \
     AND deadline >= $2 AND deadline <= $3 GROUP BY deadline, promised_limit_days";

pub(crate) const TASK_UPSERT: &str = "INSERT INTO tasks \
     (case_id, item, department, name, state, deadline, dispatched_on, one_thing_name, promised_limit_days) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (case_id, item) DO UPDATE SET \
     department = excluded.department, name = excluded.name, state = excluded.state, \
     deadline = excluded.deadline, dispatched_on = excluded.dispatched_on, \
     one_thing_name = excluded.one_thing_name, promised_limit_days = excluded.promised_limit_days";

pub(crate) const DEPARTMENT_QUEUE: &str = "SELECT case_id, item, name, state, deadline, dispatched_on, one_thing_name, \
     promised_limit_days \
     FROM tasks \
     WHERE department = $1 AND state IN ('dispatched', 'accepted', 'supplement_requested') \
     ORDER BY deadline ASC NULLS LAST, case_id, item";

pub(crate) const EVENT_NEXT_SEQ: &str = "SELECT COALESCE(MAX(seq), 0) AS last FROM case_events WHERE case_id = $1";

pub(crate) const EVENT_INSERT: &str = "INSERT INTO case_events \
     (case_id, seq, at, actor, transition, item, department, from_state, to_state, note) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(crate) const EVENTS_OF_CASE: &str = "SELECT case_id, seq, at, actor, transition, item, department, \
     from_state, to_state, note FROM case_events WHERE case_id = $1 ORDER BY seq";

// ---------------------------------------------------------------- access log

pub(crate) const ACCESS_INSERT: &str = "INSERT INTO access_log \
     (at, actor, role, department, action, case_id, elements, purpose) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(crate) const ACCESS_OF_CASE: &str = "SELECT at, actor, role, department, action, case_id, elements, purpose \
     FROM access_log WHERE case_id = $1 ORDER BY at, id";

// ---------------------------------------------------------------- uploads

pub(crate) const UPLOAD_INSERT: &str = "INSERT INTO uploads \
    (id, case_id, material, file_name, content_type, size, sha256, data, uploaded_at, uploaded_by) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(crate) const UPLOADS_OF_CASE: &str = "SELECT id, case_id, material, file_name, content_type, size, sha256, \
    uploaded_at, uploaded_by FROM uploads WHERE case_id = $1 ORDER BY uploaded_at, id";

pub(crate) const UPLOAD_DATA: &str = "SELECT id, case_id, material, file_name, content_type, size, sha256, \
    uploaded_at, uploaded_by, data FROM uploads WHERE case_id = $1 AND id = $2";

// ---------------------------------------------------------------- ratings

pub(crate) const RATING_INSERT: &str = "INSERT INTO ratings (case_id, account, level, comment, on_behalf, rated_at) \
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING";

pub(crate) const RATING_OF_CASE: &str =
    "SELECT case_id, account, level, comment, on_behalf, rated_at FROM ratings WHERE case_id = $1";

// ---------------------------------------------------------------- ledger

/// The applicant (data owner) of a case, for the subject of an access entry.
pub(crate) const CASE_APPLICANT: &str = "SELECT applicant FROM cases WHERE id = $1";

/// The head row, for readers.
pub(crate) const LEDGER_HEAD: &str = "SELECT size, frontier FROM ledger_head WHERE id = 1";

/// The head row, locked until the end of the transaction: appenders on several
/// PostgreSQL nodes queue here. (SQLite has one writer and no `FOR UPDATE`: it
/// uses [`LEDGER_HEAD`].)
pub(crate) const LEDGER_HEAD_FOR_UPDATE: &str = "SELECT size, frontier FROM ledger_head WHERE id = 1 FOR UPDATE";

/// Moves the head on; the old size guards against a writer that did not lock it.
pub(crate) const LEDGER_HEAD_UPDATE: &str =
    "UPDATE ledger_head SET size = $1, frontier = $2 WHERE id = 1 AND size = $3";

pub(crate) const LEDGER_ENTRY_INSERT: &str =
    "INSERT INTO ledger_entries (idx, entry, leaf_hash, subject, kind) VALUES ($1, $2, $3, $4, $5)";

/// A write's entries waiting for their indexes (PostgreSQL; `seq` orders them).
pub(crate) const LEDGER_PENDING_INSERT: &str = "INSERT INTO ledger_pending (entry, subject, kind) VALUES ($1, $2, $3)";
/// Whether anything waits (without a lock: a reader settles only then).
pub(crate) const LEDGER_PENDING_ANY: &str = "SELECT EXISTS (SELECT 1 FROM ledger_pending) AS any";
/// The head row, unless another sequencer holds it (the background sequencer skips
/// its turn then: that one will take what is pending).
pub(crate) const LEDGER_HEAD_FOR_UPDATE_SKIP: &str =
    "SELECT size, frontier FROM ledger_head WHERE id = 1 FOR UPDATE SKIP LOCKED";
/// The oldest committed pending entries, a batch.
pub(crate) const LEDGER_PENDING_BATCH: &str =
    "SELECT seq, entry, subject, kind FROM ledger_pending ORDER BY seq LIMIT $1";
pub(crate) const LEDGER_PENDING_DELETE: &str = "DELETE FROM ledger_pending WHERE seq = ANY($1)";
pub(crate) const LEDGER_NODE_INSERT: &str = "INSERT INTO ledger_nodes (level, idx, hash) VALUES ($1, $2, $3)";

/// Up to `$2` rows from index `$1` on, in index order.
pub(crate) const LEDGER_ROWS: &str =
    "SELECT idx, entry, leaf_hash FROM ledger_entries WHERE idx >= $1 ORDER BY idx LIMIT $2";

pub(crate) const LEDGER_ROW: &str = "SELECT idx, entry, leaf_hash FROM ledger_entries WHERE idx = $1";

pub(crate) const LEDGER_ROWS_ABOUT: &str =
    "SELECT idx, entry, leaf_hash FROM ledger_entries WHERE subject = $1 ORDER BY idx DESC LIMIT $2";

/// The accesses to a subject's data before an index, newest first (index
/// `ledger_entries_subject`).
pub(crate) const LEDGER_ACCESS_ABOUT: &str = "SELECT idx, entry, leaf_hash FROM ledger_entries \
     WHERE subject = $1 AND kind = 'data.access' AND idx < $2 ORDER BY idx DESC LIMIT $3";
pub(crate) const LEDGER_NODES_ALL: &str = "SELECT level, idx, hash FROM ledger_nodes ORDER BY level, idx";

/// Most nodes fetched by one [`ledger_nodes_select`] statement (two parameters each).
pub(crate) const LEDGER_NODES_PER_SELECT: usize = 128;

/// Selects `count` nodes by `(level, idx)`: parameters `$1, $2` are the first
/// node's level and index, `$3, $4` the second's, and so on. The only statement
/// built at run time, because its length depends on the proof; each term is a
/// primary-key lookup on both backends.
pub(crate) fn ledger_nodes_select(count: usize) -> String {
    let mut sql = String::from("SELECT level, idx, hash FROM ledger_nodes WHERE ");
    for i in 0..count {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2));
    }
    sql
}

pub(crate) const CHECKPOINT_INSERT: &str = "INSERT INTO ledger_checkpoints (size, root, note, signed_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING";

pub(crate) const CHECKPOINT_LATEST: &str =
    "SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1";

pub(crate) const CHECKPOINT_AT: &str = "SELECT size, root, note, signed_at FROM ledger_checkpoints WHERE size = $1";

pub(crate) const CHECKPOINTS_ALL: &str = "SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size";

// ---------------------------------------------------------------- notifications

pub(crate) const NOTIFICATION_INSERT: &str = "INSERT INTO notifications \
    (recipient, kind, case_id, item, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const ALERT_CLAIM: &str = "INSERT INTO deadline_alerts (case_id, item, kind, deadline, created_at) \
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";

pub(crate) const RUNNING_TASKS_DUE: &str = "SELECT case_id, item, name, department, dispatched_on, deadline, \
    promised_limit_days \
    FROM tasks WHERE state IN ('dispatched', 'accepted') AND deadline IS NOT NULL AND deadline <= $1 \
    ORDER BY deadline, case_id, item LIMIT $2";

pub(crate) const NOTIFICATIONS_FOR: &str = "SELECT id, recipient, kind, case_id, item, title, body, created_at, read_at \
    FROM notifications WHERE recipient IN ($1, $2, $3) AND id < $4 ORDER BY id DESC LIMIT $5";

pub(crate) const UNREAD_COUNT: &str =
    "SELECT COUNT(*) AS unread FROM notifications WHERE recipient IN ($1, $2, $3) AND read_at IS NULL";

pub(crate) const MARK_READ: &str =
    "UPDATE notifications SET read_at = $4 WHERE recipient IN ($1, $2, $3) AND read_at IS NULL";

// ---------------------------------------------------------------- ratings and rectifications

pub(crate) const INDICATOR_INSERT: &str =
    "INSERT INTO rating_indicators (case_id, indicator, level) VALUES ($1, $2, $3)";

pub(crate) const INDICATORS_OF_CASE: &str =
    "SELECT indicator, level FROM rating_indicators WHERE case_id = $1 ORDER BY indicator";

pub(crate) const DEPARTMENT_RATING_INSERT: &str = "INSERT INTO department_ratings \
    (case_id, department, level, comment, rated_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const DEPARTMENT_RATINGS_OF_CASE: &str = "SELECT case_id, department, level, comment, rated_at \
    FROM department_ratings WHERE case_id = $1 ORDER BY department";

pub(crate) const DEPARTMENT_RATINGS_ALL: &str =
    "SELECT case_id, department, level, comment, rated_at FROM department_ratings ORDER BY case_id, department";

pub(crate) const RATINGS_ALL: &str =
    "SELECT case_id, account, level, comment, on_behalf, rated_at FROM ratings ORDER BY case_id";

pub(crate) const RECTIFICATION_INSERT: &str = "INSERT INTO rectifications \
    (id, case_id, department, level, complaint, opened_at, deadline) VALUES ($1, $2, $3, $4, $5, $6, $7)";

macro_rules! rectification_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, case_id, department, level, complaint, opened_at, deadline, follow_up, result, closed_at, closed_by \
             FROM rectifications",
            $rest
        )
    };
}

pub(crate) const RECTIFICATIONS_OF_CASE: &str = rectification_select!(" WHERE case_id = $1 ORDER BY opened_at, id");
pub(crate) const RECTIFICATIONS_OF_DEPARTMENT: &str =
    rectification_select!(" WHERE department = $1 ORDER BY closed_at IS NOT NULL, deadline, id");
pub(crate) const RECTIFICATIONS_ALL: &str = rectification_select!(" ORDER BY closed_at IS NOT NULL, deadline, id");
/// Open rectifications sort before closed ones.
const RECTIFICATION_RANK: &str = "(CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END)";

/// The statement of a [`crate::RectificationQuery`]; its parameters are bound in the
/// order the filters are listed there (department, status day, case, after, limit).
pub(crate) fn rectification_query(query: &crate::RectificationQuery) -> String {
    let mut conditions = Vec::new();
    let mut n = 0;
    if query.department.is_some() {
        n += 1;
        conditions.push(format!("department = ${n}"));
    }
    match query.status {
        Some(crate::RectificationStatus::Open) => conditions.push("closed_at IS NULL".to_owned()),
        Some(crate::RectificationStatus::Late(_)) => {
            n += 1;
            conditions.push(format!("closed_at IS NULL AND deadline < ${n}"));
        }
        Some(crate::RectificationStatus::Closed) => conditions.push("closed_at IS NOT NULL".to_owned()),
        None => {}
    }
    if query.case_id.is_some() {
        n += 1;
        conditions.push(format!("case_id = ${n}"));
    }
    if query.after.is_some() {
        let (r, d, i) = (n + 1, n + 2, n + 3);
        n += 3;
        conditions.push(format!(
            "({RECTIFICATION_RANK} > ${r} OR ({RECTIFICATION_RANK} = ${r} \
             AND (deadline > ${d} OR (deadline = ${d} AND id > ${i}))))"
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    format!(
        "{}{filter} ORDER BY {RECTIFICATION_RANK}, deadline, id LIMIT ${}",
        rectification_select!(""),
        n + 1
    )
}

macro_rules! rectification_counts {
    ($filter:literal) => {
        concat!(
            "SELECT COALESCE(SUM(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END), 0) AS open, \
             COALESCE(SUM(CASE WHEN closed_at IS NULL AND deadline < $1 THEN 1 ELSE 0 END), 0) AS late, \
             COALESCE(SUM(CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END), 0) AS closed FROM rectifications",
            $filter
        )
    };
}

pub(crate) const RECTIFICATION_COUNTS_ALL: &str = rectification_counts!("");
pub(crate) const RECTIFICATION_COUNTS_OF_DEPARTMENT: &str = rectification_counts!(" WHERE department = $2");

pub(crate) const RECTIFICATION_BY_ID: &str = rectification_select!(" WHERE id = $1");
pub(crate) const RECTIFICATIONS_OPEN_DUE: &str =
    rectification_select!(" WHERE closed_at IS NULL AND deadline < $1 ORDER BY deadline, id");

pub(crate) const RECTIFICATION_UPDATE: &str = "UPDATE rectifications SET follow_up = $2, result = $3, closed_at = $4, \
    closed_by = $5 WHERE id = $1 AND closed_at IS NULL";

pub(crate) const CALENDAR_YEARS: &str =
    "SELECT year, label, text, source, imported_at, imported_by FROM calendar_years ORDER BY year";
pub(crate) const CALENDAR_YEAR_INSERT: &str = "INSERT INTO calendar_years \
     (year, label, text, source, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (year) DO NOTHING";
/// Cases not finished with a running task due, or a promised date, on or after `$1`.
pub(crate) const OPEN_CASES_WITH_DATES_FROM: &str = "SELECT id, doc, version FROM cases \
     WHERE state IN ('in_progress', 'awaiting_supplement') AND (promised_date >= $1 OR id IN \
     (SELECT case_id FROM tasks WHERE deadline >= $1 AND state IN ('dispatched', 'accepted', 'supplement_requested'))) \
     ORDER BY id";
pub(crate) const CASE_PROMISED_DATE_UPDATE: &str = "UPDATE cases SET promised_date = $2 WHERE id = $1";
pub(crate) const RECTIFICATION_DEADLINE_UPDATE: &str =
    "UPDATE rectifications SET deadline = $3 WHERE id = $1 AND deadline = $2 AND closed_at IS NULL";

pub(crate) const SHARED_CHECK_INSERT: &str = "INSERT INTO shared_checks \
     (case_id, item, check_id, answer, asked_at, asked_by) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (case_id, item, check_id) DO NOTHING";
pub(crate) const SHARED_CHECKS_OF_CASE: &str = "SELECT case_id, item, check_id, answer, asked_at, asked_by \
     FROM shared_checks WHERE case_id = $1 ORDER BY asked_at, item, check_id";

pub(crate) const STATE_CASES: &str = "SELECT id, version, doc FROM cases ORDER BY id";
pub(crate) const STATE_CERTIFICATES: &str = "SELECT id, file, revoked_on, revoke_reason FROM certificates ORDER BY id";
pub(crate) const STATE_RATINGS: &str =
    "SELECT case_id, account, level, comment, on_behalf FROM ratings ORDER BY case_id";
pub(crate) const CERTIFICATE_STATE: &str =
    "SELECT file, revoked_on, revoke_reason, holder_id_number FROM certificates WHERE id = $1";

/// Claims a scheduled job's period; no row is inserted once another node has it.
pub(crate) const SCHEDULED_RUN_CLAIM: &str = "INSERT INTO scheduled_runs (job, period, node, claimed_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (job, period) DO NOTHING";

// ---- dashboard totals (metrics::counts)

pub(crate) const DASHBOARD_BASIS: &str = "SELECT basis FROM dashboard_basis WHERE id = 1";
/// Shared on PostgreSQL: case writes count under the basis they read, side by side;
/// a recount ([`DASHBOARD_BASIS_FOR_UPDATE`]) waits for them and they for it.
pub(crate) const DASHBOARD_BASIS_FOR_SHARE: &str = "SELECT basis FROM dashboard_basis WHERE id = 1 FOR SHARE";
/// The recount's exclusive hold on the basis (PostgreSQL).
pub(crate) const DASHBOARD_BASIS_FOR_UPDATE: &str = "SELECT basis FROM dashboard_basis WHERE id = 1 FOR UPDATE";
pub(crate) const DASHBOARD_BASIS_SET: &str = "UPDATE dashboard_basis SET basis = $1 WHERE id = 1";
/// A write that cannot count under the stored basis: the totals are to be counted
/// again. An insert, not an update of the basis row, so that it needs no more than
/// the shared lock writers hold (two such writers never wait for each other's share).
pub(crate) const DASHBOARD_STALE_MARK: &str = "INSERT INTO dashboard_stale (id) VALUES (1) ON CONFLICT DO NOTHING";
pub(crate) const DASHBOARD_STALE_CLEAR: &str = "DELETE FROM dashboard_stale";
/// Adds to a total (SQLite: one shard).
pub(crate) const DASHBOARD_COUNT_ADD: &str = "INSERT INTO dashboard_counts (scope, key, measure, bucket, n) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, key, measure, bucket) DO UPDATE SET n = dashboard_counts.n + excluded.n";
/// Adds to a total in one shard (PostgreSQL): concurrent writers take turns over
/// the shards instead of queueing on one row per total.
pub(crate) const DASHBOARD_COUNT_ADD_SHARD: &str = "INSERT INTO dashboard_counts (scope, key, measure, bucket, shard, n) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key, measure, bucket, shard) DO UPDATE SET n = dashboard_counts.n + excluded.n";
pub(crate) const DASHBOARD_COUNTS_CLEAR: &str = "DELETE FROM dashboard_counts";
/// The totals summed over their shards and their basis in one statement, so that
/// they are read together (no basis while a write has marked them stale).
pub(crate) const DASHBOARD_COUNTS: &str = "SELECT CASE WHEN EXISTS (SELECT 1 FROM dashboard_stale) THEN NULL ELSE b.basis END AS basis, \
     c.scope, c.key, c.measure, c.bucket, c.n FROM dashboard_basis b LEFT JOIN \
     (SELECT scope, key, measure, bucket, CAST(SUM(n) AS BIGINT) AS n FROM dashboard_counts \
      GROUP BY scope, key, measure, bucket HAVING SUM(n) <> 0) c ON 1 = 1 WHERE b.id = 1";
/// Cases in id order, a batch after an id, for counting them all again.
pub(crate) const CASE_DOCUMENTS_AFTER: &str = "SELECT id, doc FROM cases WHERE id > $1 ORDER BY id LIMIT $2";
pub(crate) const CASE_DOC_AT_VERSION: &str = "SELECT doc FROM cases WHERE id = $1 AND version = $2";
pub(crate) const CASE_ONE_THING: &str = "SELECT one_thing FROM cases WHERE id = $1";
pub(crate) const DASHBOARD_CASE_RATINGS: &str = "SELECT c.one_thing AS scope_key, r.level, COUNT(*) AS n \
     FROM ratings r JOIN cases c ON c.id = r.case_id GROUP BY c.one_thing, r.level";
pub(crate) const DASHBOARD_DEPARTMENT_RATINGS: &str = "SELECT d.department AS scope_key, d.level, COUNT(*) AS n \
     FROM department_ratings d JOIN cases c ON c.id = d.case_id GROUP BY d.department, d.level";
/// Each rectification with its case's one-thing, looked up per rectification (a join
/// may be planned as a scan of every case).
pub(crate) const DASHBOARD_RECTIFICATIONS: &str = "SELECT \
     (SELECT c.one_thing FROM cases c WHERE c.id = r.case_id) AS one_thing, \
     r.case_id, r.department, r.opened_at, r.deadline, r.closed_at FROM rectifications r";

pub(crate) const CASE_DOCUMENTS: &str = "SELECT id, doc FROM cases ORDER BY submitted_at DESC, id DESC LIMIT $1";

// ---- shared data, prefills, keys, certificates

pub(crate) const SHARED_RECORD_GET: &str =
    "SELECT source, subject, attributes FROM shared_records WHERE source = $1 AND subject = $2";

pub(crate) const SHARED_RECORD_COUNT: &str = "SELECT COUNT(*) AS n FROM shared_records";

/// A multi-row upsert of `rows` shared records.
pub(crate) const SHARED_RECORD_UPSERT: &str = "INSERT INTO shared_records (source, subject, attributes) \
     VALUES ($1, $2, $3) ON CONFLICT (source, subject) DO UPDATE SET attributes = excluded.attributes";

pub(crate) const PREFILL_INSERT: &str =
    "INSERT INTO prefills (id, account_id, one_thing, doc, created_at) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const PREFILL_GET: &str = "SELECT id, account_id, one_thing, doc, created_at FROM prefills WHERE id = $1";

pub(crate) const KEYS_ALL: &str = "SELECT key_id, department, algorithm, public_key, secret, valid_from, retired_at, \
     created_at FROM issuer_keys ORDER BY created_at, key_id";

pub(crate) const KEYS_RETIRE_ACTIVE: &str =
    "UPDATE issuer_keys SET retired_at = $2 WHERE department = $1 AND retired_at IS NULL";

pub(crate) const KEY_INSERT: &str = "INSERT INTO issuer_keys \
     (key_id, department, algorithm, public_key, secret, valid_from, retired_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const CERTIFICATE_COLUMNS: &str = "id, type_code, number, holder_id_number, case_id, item, issuer_code, \
     issue_date, valid_until, file, revoked_on, revoke_reason, issued_at";

pub(crate) const CERTIFICATE_INSERT: &str = "INSERT INTO certificates \
     (id, type_code, number, holder_id_number, case_id, item, issuer_code, issue_date, valid_until, file, \
     revoked_on, revoke_reason, issued_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

pub(crate) fn certificate_select(condition: &str) -> String {
    format!("SELECT {CERTIFICATE_COLUMNS} FROM certificates WHERE {condition}")
}

pub(crate) const CERTIFICATE_REVOKE: &str =
    "UPDATE certificates SET revoked_on = $2, revoke_reason = $3 WHERE id = $1 AND revoked_on IS NULL";

pub(crate) const SHARE_INSERT: &str = "INSERT INTO certificate_shares \
     (token_hash, certificate_id, expires_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5)";

pub(crate) const SHARE_GET: &str = "SELECT certificate_id, expires_at FROM certificate_shares WHERE token_hash = $1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_outside_quotes_and_comments() {
        assert_eq!(
            to_sqlite("SELECT a FROM t WHERE b = $1 AND c = $12 -- $3\nAND d = '$4' AND \"$5\" = $2"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12 -- $3\nAND d = '$4' AND \"$5\" = ?2"
        );
        assert_eq!(to_sqlite("SELECT 'it''s $1', $1"), "SELECT 'it''s $1', ?1");
        assert_eq!(to_sqlite("SELECT $x, a - $1"), "SELECT $x, a - ?1");
    }

    #[test]
    fn every_statement_converts() {
        for sql in [
            ACCOUNT_PUT,
            SESSION_ACCOUNT,
            CASE_UPDATE,
            TASK_UPSERT,
            EVENT_INSERT,
            ACCESS_INSERT,
            LEDGER_HEAD_UPDATE,
            LEDGER_ENTRY_INSERT,
            LEDGER_NODE_INSERT,
            LEDGER_ROWS,
            CHECKPOINT_INSERT,
        ] {
            let converted = to_sqlite(sql);
            assert!(!converted.contains('$'), "{converted}");
        }
    }

    #[test]
    fn multi_row_repeats_the_value_list_and_keeps_the_tail() {
        assert_eq!(multi_row(LEDGER_NODE_INSERT, 1), LEDGER_NODE_INSERT);
        assert_eq!(
            multi_row(LEDGER_NODE_INSERT, 2),
            "INSERT INTO ledger_nodes (level, idx, hash) VALUES ($1, $2, $3), ($4, $5, $6)"
        );
        let upsert = multi_row(DASHBOARD_COUNT_ADD, 3);
        assert!(
            upsert
                .contains("VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10), ($11, $12, $13, $14, $15) ON CONFLICT")
        );
        assert!(upsert.ends_with("n = dashboard_counts.n + excluded.n"));
        assert_eq!(
            multi_row_sqlite(LEDGER_NODE_INSERT, 2),
            "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?), (?, ?, ?)"
        );
        let widest = to_sqlite(&multi_row(CERTIFICATE_INSERT, ROWS_PER_INSERT));
        assert!(widest.ends_with(&format!("?{})", 13 * ROWS_PER_INSERT)), "{widest}");
    }

    #[test]
    fn node_select_numbers_its_parameters_in_pairs() {
        assert_eq!(
            ledger_nodes_select(2),
            "SELECT level, idx, hash FROM ledger_nodes WHERE (level = $1 AND idx = $2) OR (level = $3 AND idx = $4)"
        );
        let converted = to_sqlite(&ledger_nodes_select(LEDGER_NODES_PER_SELECT));
        assert!(!converted.contains('$'));
        assert!(converted.ends_with("(level = ?255 AND idx = ?256)"), "{converted}");
    }
}
