//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Written as data next to the routes rather than derived from types: the API is
//! small, and a test checks that every route is documented and every documented
//! path is routed.

use serde_json::{Value, json};

use crate::error::ERROR_CODES;

/// The error responses of an operation for the given statuses; each lists the codes
/// of that status from the error table, with their meanings.
fn error_responses(statuses: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for status in statuses {
        let codes: Vec<String> = ERROR_CODES
            .iter()
            .filter(|entry| entry.status.to_string() == *status)
            .map(|entry| format!("{}（{}）", entry.code, entry.title))
            .collect();
        responses.insert(
            (*status).to_owned(),
            json!({ "description": codes.join("；"), "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }),
        );
    }
    Value::Object(responses)
}

fn with_errors(ok: Value, codes: &[&str]) -> Value {
    let mut responses = error_responses(codes);
    if let (Some(map), Some(ok)) = (responses.as_object_mut(), ok.as_object()) {
        for (key, value) in ok {
            map.insert(key.clone(), value.clone());
        }
    }
    responses
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "200": { "description": description, "content": { "application/json": { "schema": schema } } } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

/// The parameters of a list: page size, cursor, and its exact filters.
fn list_params(filters: &[(&str, &str)]) -> Vec<Value> {
    let mut params = vec![
        json!({ "name": "limit", "in": "query", "required": false, "description": "每页件数，默认 50，最多 200", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } }),
        json!({ "name": "cursor", "in": "query", "required": false, "description": "上一页返回的 next_cursor", "schema": { "type": "string" } }),
    ];
    params.extend(filters.iter().map(|(name, description)| {
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": "string" } })
    }));
    params
}

fn queue_params() -> Vec<Value> {
    let mut params = vec![path_param("code", "部门代码")];
    params.extend(list_params(&[
        ("state", "办理状态：dispatched、accepted、supplement_requested"),
        ("case_id", "办件编号"),
    ]));
    params
}

fn query_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": true, "description": description, "schema": { "type": "string" } })
}

fn task_operation(summary: &str, request: Option<Value>) -> Value {
    let mut operation = json!({
        "summary": summary,
        "tags": ["departments"],
        "security": [{ "bearer": [] }],
        "parameters": [path_param("id", "办件编号"), path_param("item", "事项编码")],
        "responses": with_errors(ok("办件（本部门视图）", json!({ "$ref": "#/components/schemas/Case" })), &["401", "403", "404", "409", "413", "415", "422"]),
    });
    if let (Some(request), Some(map)) = (request, operation.as_object_mut()) {
        map.insert("requestBody".into(), body(request));
    }
    operation
}

pub fn document() -> Value {
    let mut document = base_document();
    if let (Some(paths), Value::Object(more)) = (document["paths"].as_object_mut(), sharing_paths()) {
        paths.extend(more);
    }
    if let (Some(paths), Value::Object(more)) = (document["paths"].as_object_mut(), calendar_paths()) {
        paths.extend(more);
    }
    let (paths, schemas) = newer_paths();
    if let (Some(all), Value::Object(more)) = (document["paths"].as_object_mut(), paths) {
        all.extend(more);
    }
    if let (Some(all), Value::Object(more)) = (document["components"]["schemas"].as_object_mut(), schemas) {
        all.extend(more);
    }
    document
}

/// The holiday calendar: its status and importing a year's notice.
fn calendar_paths() -> Value {
    json!({
            "/calendar": { "get": { "summary": "节假日安排：已导入通知的年份、按放假办法推算的暂定年份（其日期为“预计”）、下一年通知未导入的提醒", "tags": ["calendar"],
                "responses": ok("日历状态", json!({ "type": "object", "properties": {
                    "official": { "type": "array" }, "provisional_years": { "type": "array", "items": { "type": "integer" } },
                    "provisional_from": { "type": ["string", "null"], "format": "date" }, "warning": { "type": ["string", "null"] } } })) } },
            "/admin/calendar/import": { "post": { "summary": "导入国务院办公厅节假日安排通知（管理员）：校验后重新计算所有预计日期，并通知相关部门和申请人", "tags": ["calendar"], "security": [{ "bearer": [] }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["file_name", "content"], "properties": {
                    "file_name": { "type": "string", "example": "2027.toml" }, "content": { "type": "string", "description": "年份文件（TOML），格式见 calendar/README.md" } } } } } },
                "responses": with_errors(ok("导入结果：调整的办件、日期和整改期限", json!({ "type": "object" })), &["401", "403", "409", "422", "503"]) } }
    })
}

fn base_document() -> Value {
    let string_map = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    let value_map = json!({ "type": "object", "additionalProperties": { "type": ["string", "number", "boolean"] } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "OneThing（一件事）API",
            "version": "1",
            "description": "高效办成一件事：目录、一次告知、办件受理、部门并联办理。错误统一为 {\"error\": {code, message, field, details}}，code 稳定，message 为中文。",
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "SupplementAnswer": { "type": "object", "additionalProperties": false, "properties": {
                    "corrections": value_map, "note": { "type": "string" } } },
                "Submission": { "type": "object", "required": ["one_thing"], "additionalProperties": false, "properties": {
                    "one_thing": { "type": "string" }, "answers": string_map, "form": value_map,
                    "prefill": { "type": "string", "description": "经申请人授权的预填编号" },
                    "commitments": { "type": "array", "items": { "type": "string" }, "description": "申请人勾选的告知承诺（材料编号）" },
                    "walk_in": { "type": "object", "required": ["name", "id_number"], "additionalProperties": false,
                        "description": "综合窗口代办：办事群众的姓名和公民身份号码",
                        "properties": { "name": { "type": "string" }, "id_number": { "type": "string" } } } } },
                "Error": {
                    "type": "object",
                    "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                        "code": { "type": "string", "enum": ERROR_CODES.iter().map(|e| e.code).collect::<Vec<_>>(),
                            "description": ERROR_CODES.iter().map(|e| format!("{} {}：{}", e.code, e.status, e.title)).collect::<Vec<_>>().join("\n") },
                        "message": { "type": "string" },
                        "field": { "type": "string" },
                        "details": { "type": "array", "items": { "type": "object", "properties": {
                            "field": { "type": "string" }, "code": { "type": "string" }, "message": { "type": "string" } } } }
                    } } }
                },
                "Case": { "type": "object", "description": "办件：状态、各部门子件、期限、补正清单", "properties": {
                    "id": { "type": "string" }, "state": { "type": "string", "enum": ["in_progress", "awaiting_supplement", "completed", "rejected"] },
                    "promised_date": { "type": "string", "format": "date" },
                    "form": { "type": "object" }, "tasks": { "type": "array", "items": { "type": "object" } },
                    "supplement_requests": { "type": "array", "items": { "type": "object" } } } },
                "Plan": { "type": "object", "description": "一次告知：适用事项、合并表单、材料清单、并联进度、四减" },
            }
        },
        "paths": {
            "/login": { "post": {
                "summary": "登录，取得会话令牌", "tags": ["sessions"],
                "requestBody": body(json!({ "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" } } })),
                "responses": with_errors(ok("令牌与账号", json!({ "type": "object", "properties": { "token": { "type": "string" }, "account": { "type": "object" } } })), &["400", "401", "415", "422"]),
            } },
            "/logout": { "post": { "summary": "退出登录", "tags": ["sessions"], "security": [{ "bearer": [] }],
                "responses": with_errors(json!({ "204": { "description": "已退出" } }), &["401"]) } },
            "/me": { "get": { "summary": "当前账号", "tags": ["sessions"], "security": [{ "bearer": [] }],
                "responses": with_errors(ok("账号", json!({ "type": "object" })), &["401"]) } },
            "/catalog/one-things": { "get": { "summary": "一件事目录", "tags": ["catalog"],
                "responses": ok("一件事列表", json!({ "type": "object" })) } },
            "/catalog/one-things/{id}": { "get": { "summary": "一件事详情：情形问题、成员事项、依赖", "tags": ["catalog"],
                "parameters": [path_param("id", "一件事标识，如 newborn")],
                "responses": with_errors(ok("一件事", json!({ "type": "object" })), &["404"]) } },
            "/catalog/one-things/{id}/plan": { "post": { "summary": "按情形回答计算一次告知", "tags": ["catalog"],
                "parameters": [path_param("id", "一件事标识")],
                "requestBody": body(json!({ "type": "object", "properties": {
                    "answers": string_map, "holds": { "type": "array", "items": { "type": "string" } },
                    "start_date": { "type": "string", "format": "date" } } })),
                "responses": with_errors(ok("一次告知", json!({ "$ref": "#/components/schemas/Plan" })), &["400", "404", "413", "415", "422"]) } },
            "/catalog/items/{code}": { "get": { "summary": "事项详情", "tags": ["catalog"],
                "parameters": [path_param("code", "事项编码")],
                "responses": with_errors(ok("事项", json!({ "type": "object" })), &["404"]) } },
            "/cases": {
                "post": { "summary": "提交办件（一表申请）；Idempotency-Key 重试不会重复建件", "tags": ["cases"], "security": [{ "bearer": [] }],
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 100 } }],
                    "description": "JSON 提交表单与告知承诺；需上传材料时用 multipart/form-data：名为 submission 的部分是同样的 JSON，每份材料一个名为 material.<材料编号> 的文件部分（PDF、JPG、PNG 或 OFD，按内容识别，单个不超过 5 MB）。综合窗口代办时填写 walk_in。",
                    "requestBody": { "required": true, "content": {
                        "application/json": { "schema": { "$ref": "#/components/schemas/Submission" } },
                        "multipart/form-data": { "schema": { "type": "object", "required": ["submission"], "properties": {
                            "submission": { "$ref": "#/components/schemas/Submission" } },
                            "additionalProperties": { "type": "string", "format": "binary" } } } } },
                    "responses": with_errors(json!({
                        "201": { "description": "已受理", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Case" } } } },
                        "200": { "description": "同一 Idempotency-Key 的重试：返回原办件", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Case" } } } }
                    }), &["400", "401", "403", "404", "413", "415", "422"]) },
                "get": { "summary": "我的办件（申请人）或全部办件（管理员、审计）：最新的在前，分页（next_cursor 为下一页的 cursor，null 表示没有了）；可按一件事、状态、办件编号精确筛选", "tags": ["cases"], "security": [{ "bearer": [] }],
                    "parameters": list_params(&[("one_thing", "一件事编号"), ("state", "办件状态：in_progress、awaiting_supplement、completed、rejected"), ("case_id", "办件编号")]),
                    "responses": with_errors(ok("办件列表", json!({ "type": "object", "properties": {
                        "cases": { "type": "array", "items": { "type": "object" } },
                        "next_cursor": { "type": ["string", "null"] } } })), &["401", "403", "422"]) }
            },
            "/cases/{id}": { "get": { "summary": "办件详情：各部门子件、期限、补正清单", "tags": ["cases"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号")],
                "responses": with_errors(ok("办件", json!({ "$ref": "#/components/schemas/Case" })), &["401", "404"]) } },
            "/cases/{id}/history": { "get": { "summary": "办件全程记录", "tags": ["cases"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号")],
                "responses": with_errors(ok("事件列表", json!({ "type": "object" })), &["401", "404"]) } },
            "/cases/{id}/supplement": { "post": { "summary": "申请人一次性提交补正", "tags": ["cases"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号")],
                "description": "JSON；部门要求重新上传材料时用 multipart/form-data：名为 answer 的部分是同样的 JSON，每份材料一个名为 material.<材料编号> 的文件部分。",
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/SupplementAnswer" } },
                    "multipart/form-data": { "schema": { "type": "object", "required": ["answer"], "properties": {
                        "answer": { "$ref": "#/components/schemas/SupplementAnswer" } },
                        "additionalProperties": { "type": "string", "format": "binary" } } } } },
                "responses": with_errors(ok("办件", json!({ "$ref": "#/components/schemas/Case" })), &["400", "401", "404", "409", "413", "415", "422"]) } },
            "/cases/{id}/tasks/{item}/accept": { "post": task_operation("受理本部门子件", None) },
            "/cases/{id}/tasks/{item}/request-supplement": { "post": task_operation("要求补正（理由汇总为一次性告知；可要求重新上传本事项的材料）",
                Some(json!({ "type": "object", "required": ["reasons"], "properties": {
                    "reasons": { "type": "array", "items": { "type": "string" } },
                    "materials": { "type": "array", "items": { "type": "string" }, "description": "须重新上传的材料编号" } } }))) },
            "/cases/{id}/tasks/{item}/approve": { "post": task_operation("办结，并填写本事项产生的数据",
                Some(json!({ "type": "object", "properties": { "outputs": value_map } }))) },
            "/cases/{id}/tasks/{item}/reject": { "post": task_operation("不予办理，写明理由",
                Some(json!({ "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string" } } }))) },
            "/departments/{code}/tasks": { "get": { "summary": "本部门待办：期限最近的在前，分页（next_cursor）；counts 为整个队列的件数、逾期、临近期限；可按办理状态、办件编号筛选", "tags": ["departments"], "security": [{ "bearer": [] }],
                "parameters": queue_params(),
                "responses": with_errors(ok("待办", json!({ "type": "object", "properties": {
                    "tasks": { "type": "array", "items": { "type": "object" } },
                    "next_cursor": { "type": ["string", "null"] },
                    "counts": { "type": "object", "properties": { "open": { "type": "integer" }, "overdue": { "type": "integer" }, "due_soon": { "type": "integer" } } } } })), &["401", "403", "404", "422"]) } },
            "/openapi.json": { "get": { "summary": "本文档", "tags": ["meta"], "responses": ok("OpenAPI", json!({ "type": "object" })) } },
            "/ledger/checkpoint": { "get": { "summary": "最新的账本检查点（C2SP tlog-checkpoint，signed-note，Ed25519）", "tags": ["ledger"],
                "responses": with_errors(json!({ "200": { "description": "检查点原文", "content": { "text/plain": { "schema": { "type": "string" } } } } }), &["404"]) } },
            "/ledger/checkpoints": { "post": { "summary": "立即发布检查点（管理员）", "tags": ["ledger"], "security": [{ "bearer": [] }],
                "responses": with_errors(ok("检查点", json!({ "type": "object" })), &["401", "403"]) } },
            "/ledger/verifier-key": { "get": { "summary": "检查点验证公钥（C2SP vkey）", "tags": ["ledger"],
                "responses": { "200": { "description": "公钥", "content": { "text/plain": { "schema": { "type": "string" } } } } } } },
            "/ledger/proof/inclusion": { "get": { "summary": "包含证明（RFC 9162）", "tags": ["ledger"],
                "parameters": [{ "name": "index", "in": "query", "required": true, "schema": { "type": "integer" } }, { "name": "size", "in": "query", "required": true, "schema": { "type": "integer" } }],
                "responses": with_errors(ok("证明", json!({ "type": "object" })), &["400", "422"]) } },
            "/ledger/proof/consistency": { "get": { "summary": "一致性证明（RFC 9162）", "tags": ["ledger"],
                "parameters": [{ "name": "old", "in": "query", "required": true, "schema": { "type": "integer" } }, { "name": "new", "in": "query", "required": true, "schema": { "type": "integer" } }],
                "responses": with_errors(ok("证明", json!({ "type": "object" })), &["400", "422"]) } },
            "/ledger/entries/{index}": { "get": { "summary": "账本条目（本人、办理部门或管理员可见）", "tags": ["ledger"], "security": [{ "bearer": [] }],
                "parameters": [path_param("index", "条目序号，从 0 开始")],
                "responses": with_errors(ok("条目", json!({ "type": "object" })), &["401", "404"]) } },
        }
    })
}

/// The shared-data and e-certificate paths, merged into the document's paths.
fn sharing_paths() -> Value {
    json!({
            "/catalog/one-things/{id}/prefill": { "post": { "summary": "授权预填：consent=false 只返回将获取的数据项与来源；consent=true 经授权读取共享数据并返回预填编号", "tags": ["sharing"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "一件事标识")],
                "requestBody": body(json!({ "type": "object", "required": ["consent"], "properties": { "answers": { "type": "object" }, "consent": { "type": "boolean" }, "enterprise": { "type": "string" }, "sources": { "type": "array", "items": { "type": "string" }, "description": "只授权这些数据源（默认全部）；部门只能在授权范围内调用" } } })),
                "responses": with_errors(ok("预填结果：prefill_id、values（各数据项的值与来源）、enterprise（所用企业）；未填 enterprise 且授权法人库时，法人库记载其为法定代表人的企业只有一家即直接使用，有多家则返回 enterprise_required 与 enterprises 供下次请求选择", json!({ "type": "object", "properties": {
                    "prefill_id": { "type": ["string", "null"] }, "values": { "type": "object" }, "enterprise": { "type": ["string", "null"] },
                    "enterprise_required": { "type": "boolean" },
                    "enterprises": { "type": "array", "items": { "type": "object", "properties": { "uscc": { "type": "string" }, "name": { "type": "string" } } } },
                    "offer": { "type": "array", "items": { "type": "object" } }, "consent_required": { "type": "boolean" } } })), &["401", "403", "404", "422"]) } },
            "/cases/{id}/tasks/{item}/shared-data": { "post": { "summary": "部门在办件授权范围内调用本事项所需的共享数据（E_NO_CONSENT, E_ELEMENT_NOT_NEEDED）", "tags": ["sharing"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号"), path_param("item", "事项编码")],
                "requestBody": body(json!({ "type": "object", "required": ["elements"], "properties": { "elements": { "type": "array", "items": { "type": "string" } } } })),
                "responses": with_errors(ok("数据项的值与来源", json!({ "type": "object" })), &["401", "403", "404", "422"]) } },
            "/cases/{id}/tasks/{item}/shared-question": { "post": { "summary": "可用不可见：从本事项声明的核验中选一个（check），每个办件只核验一次，只返回是或否；自由表达式一律拒绝并记录（E_CHECK_NOT_DECLARED、E_CHECK_ALREADY_ASKED、E_NO_CONSENT）", "tags": ["sharing"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号"), path_param("item", "事项编码")],
                "requestBody": body(json!({ "type": "object", "required": ["check"], "properties": { "check": { "type": "string", "examples": ["applicant_adult"] } } })),
                "responses": with_errors(ok("答案", json!({ "type": "object", "properties": { "check": { "type": "string" }, "question": { "type": "string" }, "answer": { "type": "boolean" } } })), &["401", "403", "404", "409", "422"]) } },
            "/cases/{id}/tasks/{item}/shared-checks": { "get": { "summary": "本事项声明的可用不可见核验，及本办件已核验的结果", "tags": ["sharing"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "办件编号"), path_param("item", "事项编码")],
                "responses": with_errors(ok("核验列表", json!({ "type": "object" })), &["401", "403", "404"]) } },
            "/issuer-keys": { "get": { "summary": "签发机关公钥库（含已轮换停用的密钥），用于离线验证电子证照", "tags": ["certificates"],
                "responses": ok("公钥库", json!({ "type": "object" })) } },
            "/certificates/verify": { "post": { "summary": "验证电子证照文件（无需登录）：签名、签发机关、有效期、注销状态", "tags": ["certificates"],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
                "responses": ok("验证结果：valid 及原因代码 CERT_*", json!({ "type": "object" })) } },
            "/certificates/{id}/status": { "get": { "summary": "按证照标识查询状态并验证（无需登录）", "tags": ["certificates"],
                "parameters": [path_param("id", "证照标识")],
                "responses": with_errors(ok("状态", json!({ "type": "object" })), &["404"]) } },
            "/certificates/{id}/file": { "get": { "summary": "下载证照文件（持证人或签发机关）", "tags": ["certificates"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "证照标识")],
                "responses": with_errors(ok("证照文件（RFC 8785 规范化 JSON）", json!({ "type": "object" })), &["401", "404"]) } },
            "/certificates/{id}/revoke": { "post": { "summary": "签发机关注销证照", "tags": ["certificates"], "security": [{ "bearer": [] }],
                "parameters": [path_param("id", "证照标识")],
                "requestBody": body(json!({ "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string" } } })),
                "responses": with_errors(ok("注销后的状态", json!({ "type": "object" })), &["401", "403", "404", "409", "422"]) } },
            "/me/certificates/claim": { "post": { "summary": "依签发部门的登记记录申领电子证照（如电子结婚证）", "tags": ["certificates"], "security": [{ "bearer": [] }],
                "requestBody": body(json!({ "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } })),
                "responses": with_errors(ok("申领的证照", json!({ "type": "object" })), &["401", "403", "422"]) } },
            "/me/certificates": { "get": { "summary": "我的证照", "tags": ["certificates"], "security": [{ "bearer": [] }],
                "responses": with_errors(ok("证照列表", json!({ "type": "object" })), &["401", "403"]) } },
    })
}

/// The paths added with the application layer (examples, ratings, rectifications,
/// the person's messages and data log) and their schemas.
fn newer_paths() -> (Value, Value) {
    let paths = json!({
        "/catalog/one-things/{id}/example": { "get": { "summary": "一份完整、有效的示例申请（供对接方参考）：POST /cases 的 JSON 部分，以及须作为文件部分上传的材料", "tags": ["catalog"],
            "parameters": [path_param("id", "一件事编号")],
            "responses": with_errors(ok("示例申请", json!({ "type": "object", "properties": {
                "submission": { "$ref": "#/components/schemas/Submission" },
                "uploads": { "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "part": { "type": "string" }, "name": { "type": "string" } } } } } })), &["404", "422"]) } },
        "/cases/{id}/files": { "get": { "summary": "办件的材料文件清单：申请人看全部，部门看本部门事项所需材料的文件，督办人员只看已提交（不能下载）", "tags": ["cases"], "security": [{ "bearer": [] }],
            "parameters": [path_param("id", "办件编号")],
            "responses": with_errors(ok("文件清单", json!({ "type": "object", "properties": {
                "case_id": { "type": "string" },
                "files": { "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "material": { "type": "string" }, "material_name": { "type": ["string", "null"] },
                    "file_name": { "type": "string" }, "content_type": { "type": "string" }, "size": { "type": "integer" },
                    "sha256": { "type": "string" }, "uploaded_at": { "type": "string", "format": "date-time" } } } } } })), &["401", "404"]) } },
        "/cases/{id}/files/{upload_id}": { "get": { "summary": "下载一份材料文件（类型按内容识别）：申请人本人，或其事项需要该材料的部门；每次下载都记入账本", "tags": ["cases"], "security": [{ "bearer": [] }],
            "parameters": [path_param("id", "办件编号"), path_param("upload_id", "文件编号")],
            "responses": with_errors(json!({ "200": { "description": "文件内容", "content": {
                "application/pdf": { "schema": { "type": "string", "format": "binary" } },
                "image/jpeg": { "schema": { "type": "string", "format": "binary" } },
                "image/png": { "schema": { "type": "string", "format": "binary" } } } } }), &["401", "404"]) } },
        "/certificates/verify-number": { "get": { "summary": "按证照类型和证照上的编号验证（限流）：是否有效、是否注销，持证人姓名脱敏", "tags": ["certificates"],
            "parameters": [query_param("type", "证照类型代码"), query_param("number", "证照编号")],
            "responses": with_errors(ok("验证结果", json!({ "type": "object", "properties": {
                "valid": { "type": "boolean" }, "status": { "type": "string" }, "holder_name": { "type": "string" },
                "certificate": { "type": "object" }, "error": { "type": "object" } } })), &["404", "422", "429"]) } },
        "/dashboard": { "get": { "summary": "效能统计：督办人员看全部一件事和部门，部门看本部门及其牵头的一件事（与统计页面、CSV 相同）", "tags": ["ratings"], "security": [{ "bearer": [] }],
            "responses": with_errors(ok("统计", json!({ "type": "object", "properties": {
                "heading": { "type": "string" }, "today": { "type": "string", "format": "date" }, "figures": { "type": "object" },
                "one_things": { "type": "array", "items": { "type": "object" } }, "departments": { "type": "array", "items": { "type": "object" } } } })), &["401", "403", "404"]) } },
        "/me/notifications": { "get": { "summary": "我的消息（本人、本部门、本角色的），最新的在前，含未读数；读取不标记已读", "tags": ["sessions"], "security": [{ "bearer": [] }],
            "responses": with_errors(ok("消息", json!({ "type": "object", "properties": {
                "notifications": { "type": "array", "items": { "type": "object" } }, "unread": { "type": "integer" } } })), &["401"]) } },
        "/me/notifications/read": { "post": { "summary": "把我的消息全部标记为已读", "tags": ["sessions"], "security": [{ "bearer": [] }],
            "responses": with_errors(json!({ "204": { "description": "已标记" } }), &["401"]) } },
        "/me/data-access": { "get": { "summary": "谁查看了我的数据：他人每一次查看本人数据的账本记录，并用最新签名检查点验证（仅申请人）", "tags": ["ledger"], "security": [{ "bearer": [] }],
            "responses": with_errors(ok("查看记录", json!({ "type": "object", "properties": {
                "rows": { "type": "array", "items": { "type": "object", "properties": {
                    "index": { "type": "integer" }, "who": { "type": "string" }, "what": { "type": "string" }, "at": { "type": "string", "format": "date-time" },
                    "fields": { "type": "array", "items": { "type": "string" } }, "case_id": { "type": ["string", "null"] },
                    "purpose": { "type": "string" }, "legal_basis": { "type": "string" }, "verified": { "type": "boolean" } } } },
                "checkpoint_size": { "type": ["integer", "null"] } } })), &["401", "403"]) } },
    "/cases/{id}/rating": { "post": { "summary": "好差评：申请人评价已办结的办件，或综合窗口代评（每件一评；不满意、非常不满意自动生成整改）", "tags": ["ratings"], "security": [{ "bearer": [] }],
        "parameters": [path_param("id", "办件编号")],
        "requestBody": body(json!({ "type": "object", "required": ["level"], "properties": {
            "level": { "type": "integer", "minimum": 1, "maximum": 5, "description": "5 非常满意 … 1 非常不满意" },
            "comment": { "type": "string", "maxLength": 500 },
            "indicators": { "type": "object", "description": "分项评价：efficiency、guide_accuracy、convenience、usability，各 1–5（窗口代评不可用）", "additionalProperties": { "type": "integer" } },
            "departments": { "type": "object", "description": "按部门代码评价参与办理的部门，各 1–5（窗口代评不可用）", "additionalProperties": { "type": "integer" } } } })),
        "responses": {
            "201": { "description": "已评价", "content": { "application/json": { "schema": { "type": "object" } } } },
            "401": error_responses(&["401"])["401"], "404": error_responses(&["404"])["404"],
            "409": error_responses(&["409"])["409"],
            "422": error_responses(&["422"])["422"] } } },
    "/rectifications": { "get": { "summary": "差评整改：本部门的，督办人员看全部（逾期的在前）", "tags": ["ratings"], "security": [{ "bearer": [] }],
        "responses": with_errors(ok("整改列表", json!({ "type": "object", "properties": { "rectifications": { "type": "array", "items": { "$ref": "#/components/schemas/Rectification" } } } })), &["401", "403"]) } },
    "/rectifications/{id}": {
        "get": { "summary": "一项差评整改", "tags": ["ratings"], "security": [{ "bearer": [] }],
            "parameters": [path_param("id", "整改编号")],
            "responses": with_errors(ok("整改", json!({ "$ref": "#/components/schemas/Rectification" })), &["401", "404"]) },
        "post": { "summary": "记录回访；close 为 true 时以整改结果办结（结果告知申请人）", "tags": ["ratings"], "security": [{ "bearer": [] }],
            "parameters": [path_param("id", "整改编号")],
            "requestBody": body(json!({ "type": "object", "required": ["follow_up"], "properties": {
                "follow_up": { "type": "string", "maxLength": 1000 }, "result": { "type": "string", "maxLength": 1000 }, "close": { "type": "boolean" } } })),
            "responses": with_errors(ok("整改", json!({ "$ref": "#/components/schemas/Rectification" })), &["401", "403", "404", "409", "422"]) } }
    });
    let schemas = json!({
    "Rectification": { "type": "object", "description": "差评整改", "properties": {
        "id": { "type": "string" }, "case_id": { "type": "string" }, "department": { "type": "string" },
        "level": { "type": "integer" }, "complaint": { "type": "string" }, "deadline": { "type": "string", "format": "date" },
        "status": { "type": "string", "enum": ["open", "late", "closed"] }, "follow_up": { "type": ["string", "null"] },
        "result": { "type": ["string", "null"] }, "closed_at": { "type": ["string", "null"], "format": "date-time" } } }
    });
    (paths, schemas)
}
