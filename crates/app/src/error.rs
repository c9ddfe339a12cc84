//! The one error table and the one API error type. Every code the API answers with
//! is in [`ERROR_CODES`] once, with its HTTP status and its meaning in Chinese; an
//! [`ApiError`] takes its status from there, the pages show its message, and the
//! OpenAPI document lists the codes of each status from the same table. Every
//! refusal of user input goes through it, so a client never sees a 500 for bad input.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cases::{CaseError, FieldIssue};
use serde::Serialize;

/// One error code: its HTTP status and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub status: u16,
    /// The meaning, in Chinese; a response's message may say more.
    pub title: &'static str,
}

/// Every error code of the API, in code order.
#[rustfmt::skip]
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode { code: "E_ALREADY_RATED", status: 409, title: "该办件已评价过（一次一评）" },
    ErrorCode { code: "E_ALREADY_REVOKED", status: 409, title: "该证照已经注销" },
    ErrorCode { code: "E_ANSWER_INVALID", status: 422, title: "情形问题的回答无效" },
    ErrorCode { code: "E_APPLICANT_NO_ID_NUMBER", status: 422, title: "申请人账户没有公民身份号码，无法调用共享数据或核验" },
    ErrorCode { code: "E_BAD_REQUEST", status: 400, title: "请求无法读取" },
    ErrorCode { code: "E_BODY_TOO_LARGE", status: 413, title: "请求内容过大" },
    ErrorCode { code: "E_BUSY", status: 503, title: "办件正在频繁变更，请稍后重试" },
    ErrorCode { code: "E_CALENDAR_FILE_INVALID", status: 422, title: "节假日安排文件无效" },
    ErrorCode { code: "E_CALENDAR_NO_DATA", status: 422, title: "该日期超出已发布的节假日安排，无法计算工作日" },
    ErrorCode { code: "E_CALENDAR_RECOUNT", status: 422, title: "无法按新的节假日安排重新计算期限" },
    ErrorCode { code: "E_CALENDAR_YEAR_EXISTS", status: 409, title: "该年份已有正式的节假日安排" },
    ErrorCode { code: "E_CASE_ID_INVALID", status: 400, title: "办件编号格式不正确" },
    ErrorCode { code: "E_CASE_NOT_FINISHED", status: 409, title: "办件办结后才能评价" },
    ErrorCode { code: "E_CASE_NOT_FOUND", status: 404, title: "没有找到该办件（或无权查看）" },
    ErrorCode { code: "E_CERTIFICATE_NOT_FOUND", status: 404, title: "没有找到这个电子证照" },
    ErrorCode { code: "E_CERTIFICATE_NUMBER_INVALID", status: 422, title: "证照编号为空或过长" },
    ErrorCode { code: "E_CERTIFICATE_TYPE_UNKNOWN", status: 422, title: "没有这种电子证照" },
    ErrorCode { code: "E_CHECK_ALREADY_ASKED", status: 409, title: "这项核验已经问过" },
    ErrorCode { code: "E_CHECK_NOT_DECLARED", status: 422, title: "本事项没有声明这项核验" },
    ErrorCode { code: "E_CHECK_REQUIRED", status: 422, title: "请指明要核验的条件" },
    ErrorCode { code: "E_CHECK_UNANSWERABLE", status: 422, title: "无法根据共享数据回答这项核验，原因见 details" },
    ErrorCode { code: "E_CLIENT_AUTH_FAILED", status: 401, title: "部门系统的客户端标识或密钥不正确" },
    ErrorCode { code: "E_CLIENT_LOCKED", status: 429, title: "客户端密钥错误次数过多，请稍后再试" },
    ErrorCode { code: "E_CONCURRENT_UPDATE", status: 409, title: "办件正被同时修改，请稍后重试" },
    ErrorCode { code: "E_CONFIRM_JOB_NOT_FOUND", status: 404, title: "没有这个确认发放任务" },
    ErrorCode { code: "E_CONFIRM_JOB_RUNNING", status: 409, title: "该政策该期间已有确认发放任务在进行" },
    ErrorCode { code: "E_CONTENT_TYPE", status: 415, title: "请求的内容类型不受支持" },
    ErrorCode { code: "E_CREDIT_CODE_INVALID", status: 422, title: "统一社会信用代码无效" },
    ErrorCode { code: "E_DEAD_LETTER_NOT_FOUND", status: 404, title: "没有这条待重新推送的消息" },
    ErrorCode { code: "E_DEPARTMENT_NOT_FOUND", status: 404, title: "没有这个部门" },
    ErrorCode { code: "E_ELEMENTS_INVALID", status: 422, title: "要调用的数据项无效" },
    ErrorCode { code: "E_ELEMENT_NOT_NEEDED", status: 403, title: "本事项不需要这项数据" },
    ErrorCode { code: "E_ENTERPRISE_NOT_FOUND", status: 422, title: "没有找到这家企业" },
    ErrorCode { code: "E_FILE_NOT_FOUND", status: 404, title: "没有这个文件，或无权查看" },
    ErrorCode { code: "E_FINDING_NOT_FOUND", status: 404, title: "没有找到这项待遇（或无权查看）" },
    ErrorCode { code: "E_FINDING_STATE", status: 409, title: "这项待遇当前的状态不允许此操作" },
    ErrorCode { code: "E_FORBIDDEN", status: 403, title: "无权进行此操作" },
    ErrorCode { code: "E_FORM_FIELD_INVALID", status: 422, title: "填写的内容有误，逐项见 details" },
    ErrorCode { code: "E_GRANT_TYPE_UNSUPPORTED", status: 400, title: "只支持 client_credentials 授权方式" },
    ErrorCode { code: "E_GROUP_NOT_FOUND", status: 404, title: "没有找到这类事" },
    ErrorCode { code: "E_IDEMPOTENCY_KEY_INVALID", status: 400, title: "Idempotency-Key 格式不正确" },
    ErrorCode { code: "E_IDEMPOTENCY_KEY_REUSED", status: 422, title: "同一个 Idempotency-Key 用于了不同的请求" },
    ErrorCode { code: "E_ILLEGAL_TRANSITION", status: 409, title: "当前状态不允许这项操作" },
    ErrorCode { code: "E_INTERNAL", status: 500, title: "系统繁忙，请稍后再试" },
    ErrorCode { code: "E_INVALID_REQUEST", status: 422, title: "请求内容不符合要求" },
    ErrorCode { code: "E_ITEM_NOT_FOUND", status: 404, title: "没有找到事项" },
    ErrorCode { code: "E_JSON_INVALID", status: 422, title: "请求内容的字段类型或取值不正确" },
    ErrorCode { code: "E_JSON_MALFORMED", status: 400, title: "请求内容不是合法的 JSON" },
    ErrorCode { code: "E_JSON_PART_MISSING", status: 422, title: "multipart 请求缺少 JSON 部分" },
    ErrorCode { code: "E_JSON_SYNTAX", status: 400, title: "JSON 部分不是合法的 JSON" },
    ErrorCode { code: "E_LEDGER_EMPTY", status: 404, title: "账本还没有记录" },
    ErrorCode { code: "E_LEDGER_ENTRY_NOT_FOUND", status: 404, title: "没有这条账本记录（或无权查看）" },
    ErrorCode { code: "E_LEDGER_INCONSISTENT", status: 409, title: "账本与最新检查点不一致，拒绝签署" },
    ErrorCode { code: "E_LEDGER_RANGE", status: 422, title: "账本范围无效" },
    ErrorCode { code: "E_LEDGER_UNSIGNED", status: 503, title: "本服务未配置账本签名密钥" },
    ErrorCode { code: "E_LOGIN_FAILED", status: 401, title: "用户名或密码不正确" },
    ErrorCode { code: "E_LOGIN_LOCKED", status: 429, title: "登录失败次数过多，请稍后再试" },
    ErrorCode { code: "E_MATERIAL_DUPLICATE", status: 422, title: "同一份材料提交了多次" },
    ErrorCode { code: "E_MULTIPART_INVALID", status: 400, title: "multipart 请求无法读取" },
    ErrorCode { code: "E_MULTIPART_UNKNOWN_PART", status: 422, title: "multipart 请求含有未知的部分" },
    ErrorCode { code: "E_NOTHING_TO_CLAIM", status: 422, title: "签发部门没有可申领的登记记录" },
    ErrorCode { code: "E_NOT_FOUND", status: 404, title: "没有这个地址" },
    ErrorCode { code: "E_NOT_LEGAL_REPRESENTATIVE", status: 403, title: "只有企业的法定代表人可以使用企业的共享数据" },
    ErrorCode { code: "E_NO_CONSENT", status: 403, title: "申请人没有授权调用共享数据" },
    ErrorCode { code: "E_NO_ID_NUMBER", status: 403, title: "账户未实名认证（缺少公民身份号码）" },
    ErrorCode { code: "E_NO_SUPPLEMENT_PENDING", status: 409, title: "没有待答复的补正" },
    ErrorCode { code: "E_OIDC_FAILED", status: 401, title: "统一身份认证未通过" },
    ErrorCode { code: "E_OIDC_ID_NUMBER", status: 422, title: "统一身份认证未提供有效的公民身份号码" },
    ErrorCode { code: "E_OIDC_NOT_CONFIGURED", status: 404, title: "本站未配置统一身份认证" },
    ErrorCode { code: "E_OIDC_STATE", status: 400, title: "登录请求已失效或被篡改，请重新登录" },
    ErrorCode { code: "E_ONE_THING_NOT_FOUND", status: 404, title: "没有找到这件事" },
    ErrorCode { code: "E_PASSWORD_LOGIN_DISABLED", status: 403, title: "本站已关闭密码登录，请使用统一身份认证登录" },
    ErrorCode { code: "E_POLICY_NOT_FOUND", status: 404, title: "没有这项政策" },
    ErrorCode { code: "E_POLICY_RUN_NOT_FOUND", status: 404, title: "没有这次政策运行" },
    ErrorCode { code: "E_POLICY_RUN_RUNNING", status: 409, title: "该政策正在运行" },
    ErrorCode { code: "E_PREFILL_NOT_FOUND", status: 422, title: "没有找到这份预填数据" },
    ErrorCode { code: "E_QUERY_EMPTY", status: 422, title: "请输入要办的事或要问的问题" },
    ErrorCode { code: "E_QUERY_INVALID", status: 400, title: "查询参数无效" },
    ErrorCode { code: "E_QUERY_TOO_LONG", status: 422, title: "输入过长" },
    ErrorCode { code: "E_REASON_REQUIRED", status: 422, title: "请填写原因" },
    ErrorCode { code: "E_RECTIFICATION_CLOSED", status: 409, title: "该整改已经办结，不能再修改" },
    ErrorCode { code: "E_RECTIFICATION_NOT_FOUND", status: 404, title: "没有找到这项整改（或无权查看）" },
    ErrorCode { code: "E_SCOPE_INVALID", status: 400, title: "申请的权限范围无效或超出该系统的授权" },
    ErrorCode { code: "E_SCOPE_MISSING", status: 403, title: "访问令牌没有这项操作的权限" },
    ErrorCode { code: "E_SERVICE_CLIENT_NOT_FOUND", status: 404, title: "没有这个部门系统凭证" },
    ErrorCode { code: "E_SERVICE_NOT_ALLOWED", status: 403, title: "部门系统凭证只能调用本部门子件接口" },
    ErrorCode { code: "E_SOURCE_MAPPING", status: 502, title: "共享数据源返回的数据无法识别" },
    ErrorCode { code: "E_SOURCE_NOT_OFFERED", status: 422, title: "这件事不提供这个共享数据源" },
    ErrorCode { code: "E_SOURCE_UNAVAILABLE", status: 502, title: "共享数据源暂时无法访问" },
    ErrorCode { code: "E_TASK_NOT_FOUND", status: 404, title: "本办件没有这个事项" },
    ErrorCode { code: "E_TOKEN_EXPIRED", status: 401, title: "访问令牌已过期，请重新获取" },
    ErrorCode { code: "E_TOKEN_INVALID", status: 401, title: "访问令牌无效或已被吊销" },
    ErrorCode { code: "E_TOO_MANY_REQUESTS", status: 429, title: "请求过于频繁，请稍后再试" },
    ErrorCode { code: "E_UNAUTHENTICATED", status: 401, title: "请先登录" },
    ErrorCode { code: "E_WALK_IN_REQUIRED", status: 422, title: "窗口代为提交须填写办事群众的身份信息" },
    ErrorCode { code: "E_WEBHOOK_DISABLED", status: 409, title: "该事件推送订阅已经停用" },
    ErrorCode { code: "E_WEBHOOK_ENABLED", status: 409, title: "该事件推送订阅正在启用" },
    ErrorCode { code: "E_WEBHOOK_EVENT_UNKNOWN", status: 422, title: "没有这种事件类型" },
    ErrorCode { code: "E_WEBHOOK_NOT_FOUND", status: 404, title: "没有这个事件推送订阅" },
    ErrorCode { code: "E_WEBHOOK_SCHEME_INVALID", status: 422, title: "签名方式只能是 v1（HMAC-SHA256）或 v1a（Ed25519）" },
    ErrorCode { code: "E_WEBHOOK_URL_INVALID", status: 422, title: "推送地址必须是 http:// 或 https:// 开头的完整网址" },
    ErrorCode { code: "E_WRONG_DEPARTMENT", status: 403, title: "不是本部门的事项" },
];

/// The table's entry for `code`.
pub fn error_code(code: &str) -> Option<&'static ErrorCode> {
    ERROR_CODES
        .binary_search_by(|entry| entry.code.cmp(code))
        .ok()
        .map(|index| &ERROR_CODES[index])
}

/// The HTTP status of `code`; a code missing from the table is a defect of ours,
/// answered as 500 and logged.
fn status_of(code: &str) -> StatusCode {
    match error_code(code).and_then(|entry| StatusCode::from_u16(entry.status).ok()) {
        Some(status) => status,
        None => {
            tracing::error!(code, "error code missing from the error table");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldIssue>,
}

impl ApiError {
    /// An error with `code` from the error table (which gives its status) and a
    /// message that says what went wrong in this instance.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: status_of(code),
            code,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized() -> Self {
        Self::new("E_UNAUTHENTICATED", "请先登录")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new("E_FORBIDDEN", message)
    }

    pub fn case_not_found() -> Self {
        Self::new("E_CASE_NOT_FOUND", "没有找到该办件")
    }

    /// Another request changed the same thing first, again and again.
    pub fn concurrent_update() -> Self {
        Self::new("E_CONCURRENT_UPDATE", "办件正被同时修改，请稍后重试")
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new("E_INTERNAL", "系统繁忙，请稍后再试")
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a ApiError,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(Body { error: &self })).into_response()
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        Self::internal(error)
    }
}

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        let mut api = ApiError::new(error.code(), error.to_string());
        if let CaseError::Form(issues) = error {
            api.field = issues.first().map(|issue| issue.field.clone());
            api.details = issues;
        }
        api
    }
}
