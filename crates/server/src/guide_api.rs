//! The API's door to guidance (智能导办): search, questions answered from the
//! catalog, and a description turned into a proposed application. The use cases are
//! in [`app::guidance`]; this module parses the request and shapes the answer.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::app;
use crate::error::{ApiError, ApiJson};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::default()
        .routes(routes!(search))
        .routes(routes!(ask))
        .routes(routes!(intake))
}

/// 匹配原因
#[derive(Serialize, ToSchema)]
pub struct ReasonView {
    /// 用户输入中的词（说法、错字或拼音首字母）
    typed: String,
    /// 理解为的目录用语
    term: String,
    /// 匹配方式：term（目录用语）、synonym（同义词）、typo（纠错）、pinyin（拼音首字母）、characters（字词）
    via: String,
    /// 给人看的说明
    explanation: String,
}

fn reason_views(reasons: &[guide::Reason]) -> Vec<ReasonView> {
    reasons
        .iter()
        .map(|reason| ReasonView {
            typed: reason.typed.clone(),
            term: reason.term.clone(),
            via: match reason.via {
                guide::Via::Term => "term",
                guide::Via::Synonym => "synonym",
                guide::Via::Typo => "typo",
                guide::Via::Pinyin => "pinyin",
                guide::Via::Characters => "characters",
            }
            .to_owned(),
            explanation: reason.explain_zh(),
        })
        .collect()
}

/// 一件事搜索结果
#[derive(Serialize, ToSchema)]
pub struct OneThingHitView {
    #[schema(example = "newborn")]
    id: String,
    name: String,
    summary: String,
    /// 相关度（BM25），仅用于排序
    score: f64,
    reasons: Vec<ReasonView>,
    /// 一次告知页面
    #[schema(example = "/one-things/newborn")]
    link: String,
}

/// 事项搜索结果
#[derive(Serialize, ToSchema)]
pub struct ItemHitView {
    #[schema(example = "GG00101001")]
    code: String,
    name: String,
    department_name: String,
    /// 包含此事项的一件事
    one_things: Vec<String>,
    score: f64,
    reasons: Vec<ReasonView>,
}

/// 搜索结果：found 为 false 时没有可信的结果，请按 contact 咨询人工
#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    /// 规范化后的查询
    query: String,
    found: bool,
    one_things: Vec<OneThingHitView>,
    items: Vec<ItemHitView>,
    /// 没有找到时的说明；找到时为 null
    message: Option<String>,
    /// 人工咨询渠道（综合窗口）
    contact: String,
}

/// Turns a search result into its wire form.
fn search_response(state: &AppState, result: guide::SearchResult) -> SearchResponse {
    let message = (!result.found).then(|| "没有找到与您的描述对应的一件事。您可以换个说法，或咨询人工。".to_owned());
    SearchResponse {
        query: result.query,
        found: result.found,
        one_things: result
            .one_things
            .iter()
            .map(|hit| OneThingHitView {
                id: hit.id.clone(),
                name: hit.name.clone(),
                summary: hit.summary.clone(),
                score: hit.score,
                reasons: reason_views(&hit.reasons),
                link: format!("/one-things/{}", hit.id),
            })
            .collect(),
        items: result
            .items
            .iter()
            .map(|hit| ItemHitView {
                code: hit.code.clone(),
                name: hit.name.clone(),
                department_name: hit.department_name.clone(),
                one_things: hit.one_things.clone(),
                score: hit.score,
                reasons: reason_views(&hit.reasons),
            })
            .collect(),
        message,
        contact: app::guidance::one_window_contact(state),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|rejection| ApiError::new("E_QUERY_INVALID", format!("查询参数有误：{}", rejection.body_text())))
}

#[utoipa::path(
    get,
    path = "/search",
    tag = "guidance",
    summary = "搜索一件事和事项：理解口语、同义词、错别字和拼音首字母，每个结果附匹配原因；没有可信结果时 found 为 false 并给出人工咨询渠道",
    params(("q" = String, Query, description = "要办的事，如“生孩子”“公司搬家”“qykb”；1–100 个字", example = "想开个小饭馆")),
    responses(
        (status = 200, description = "排序后的一件事和事项", body = SearchResponse),
        (status = 400, description = "E_QUERY_INVALID：含控制字符"),
        (status = 422, description = "E_QUERY_EMPTY、E_QUERY_TOO_LONG")
    )
)]
async fn search(
    State(state): State<Arc<AppState>>,
    params: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let params = query(params)?;
    let result = app::guidance::search(&state, &params.q)?;
    Ok(Json(search_response(&state, result)))
}

/// 答案出处：目录文件及其字段
#[derive(Serialize, ToSchema)]
pub struct SourceView {
    #[schema(example = "onethings/newborn.toml")]
    file: String,
    fields: String,
}

/// 一个问题类别的回答
#[derive(Serialize, ToSchema)]
pub struct TopicAnswerView {
    /// materials（材料）、duration（时限）、visits（跑动次数）、place（办理地点）、fee（费用）
    topic: String,
    /// 问题类别的中文说法
    question: String,
    /// 目录是否有答案；false 时 text 说明没有并给出人工咨询渠道
    answered: bool,
    text: String,
    facts: Vec<String>,
    sources: Vec<SourceView>,
}

/// 问答结果：每个回答都注明出处，并链接到一次告知
#[derive(Serialize, ToSchema)]
pub struct AskResponse {
    question: String,
    /// 所问的一件事编号；没有找到时为 null
    one_thing: Option<String>,
    one_thing_name: Option<String>,
    /// 一次告知页面
    notice_link: Option<String>,
    answers: Vec<TopicAnswerView>,
    /// 无法回答时的说明（含人工咨询渠道）
    fallback: Option<String>,
}

#[derive(Deserialize)]
struct AskQuery {
    #[serde(default)]
    q: String,
    one_thing: Option<String>,
}

#[utoipa::path(
    get,
    path = "/ask",
    tag = "guidance",
    summary = "按目录回答关于一件事的问题：要带什么材料、多久能办完（按现行节假日安排从今天算承诺日期）、要跑几次、在哪里办、要多少钱；每个回答注明出处，目录没有的如实说明并转人工",
    params(
        ("q" = String, Query, description = "问题，如“新生儿出生要带什么材料”；1–100 个字", example = "开饭店要跑几次"),
        ("one_thing" = Option<String>, Query, description = "一件事编号；不给时从问题中查找", example = "restaurant")
    ),
    responses(
        (status = 200, description = "回答及出处", body = AskResponse),
        (status = 400, description = "E_QUERY_INVALID"),
        (status = 404, description = "E_ONE_THING_NOT_FOUND"),
        (status = 422, description = "E_QUERY_EMPTY、E_QUERY_TOO_LONG")
    )
)]
async fn ask(
    State(state): State<Arc<AppState>>,
    params: Result<Query<AskQuery>, QueryRejection>,
) -> Result<Json<AskResponse>, ApiError> {
    let params = query(params)?;
    let reply = app::guidance::ask(&state, &params.q, params.one_thing.as_deref())?;
    Ok(Json(AskResponse {
        question: reply.question,
        one_thing: reply.one_thing.as_ref().map(|(id, _)| id.clone()),
        one_thing_name: reply.one_thing.map(|(_, name)| name),
        notice_link: reply.notice_link,
        answers: reply
            .answers
            .into_iter()
            .map(|answer| TopicAnswerView {
                topic: match answer.topic {
                    guide::Topic::Materials => "materials",
                    guide::Topic::Duration => "duration",
                    guide::Topic::Visits => "visits",
                    guide::Topic::Place => "place",
                    guide::Topic::Fee => "fee",
                }
                .to_owned(),
                question: answer.question,
                answered: answer.answered,
                text: answer.text,
                facts: answer.facts,
                sources: answer
                    .sources
                    .into_iter()
                    .map(|source| SourceView {
                        file: source.file,
                        fields: source.fields,
                    })
                    .collect(),
            })
            .collect(),
        fallback: reply.fallback,
    }))
}

/// 一段描述
#[derive(Deserialize, ToSchema)]
pub struct IntakeRequest {
    /// 用自己的话描述要办的事，1–500 个字
    #[schema(example = "我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保")]
    description: String,
    /// 指定一件事编号（申请人选择了其他一件事时）；不给时按描述推荐
    one_thing: Option<String>,
}

/// 推荐的情形回答：须经申请人确认或修改后才使用
#[derive(Serialize, ToSchema)]
pub struct ProposedAnswerView {
    question: String,
    question_text: String,
    value: String,
    label: String,
    /// 依据的原话
    sentence: String,
    /// 原话中的关键说法
    phrase: String,
}

/// 推荐的表单值：须经申请人确认或修改后才使用
#[derive(Serialize, ToSchema)]
pub struct ProposedFieldView {
    /// 数据元
    element: String,
    name: String,
    value: String,
    /// 依据的原话
    sentence: String,
    /// 原文写法（如“上周三”“女儿”）
    written: String,
}

/// 一件事
#[derive(Serialize, ToSchema)]
pub struct OneThingRef {
    id: String,
    name: String,
}

/// 从描述得出的办理建议（不保存、不使用，须申请人逐项确认）；确认后按 POST /cases 提交
#[derive(Serialize, ToSchema)]
pub struct IntakeResponse {
    description: String,
    /// 推荐的一件事；没有找到时为 null
    one_thing: Option<OneThingRef>,
    /// 其他可能的一件事
    alternatives: Vec<OneThingRef>,
    answers: Vec<ProposedAnswerView>,
    fields: Vec<ProposedFieldView>,
    /// 看到但未采用的内容及原因（如身份号码校验位不对）
    notes: Vec<String>,
    /// 没有找到一件事时的人工咨询渠道
    contact: String,
}

#[utoipa::path(
    post,
    path = "/intake",
    tag = "guidance",
    summary = "从一段描述得出办理建议（自然语言办理）：推荐一件事、可推断的情形回答和表单值，每项附依据的原话；离线、确定，只提建议，须申请人逐项确认或修改后再提交",
    request_body = IntakeRequest,
    responses(
        (status = 200, description = "办理建议", body = IntakeResponse),
        (status = 400, description = "E_BAD_REQUEST、E_QUERY_INVALID"),
        (status = 404, description = "E_ONE_THING_NOT_FOUND"),
        (status = 422, description = "E_QUERY_EMPTY、E_QUERY_TOO_LONG")
    )
)]
async fn intake(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<IntakeRequest>,
) -> Result<Json<IntakeResponse>, ApiError> {
    let proposal = app::guidance::intake(&state, &request.description, request.one_thing.as_deref())?;
    let reference = |(id, name): (String, String)| OneThingRef { id, name };
    Ok(Json(IntakeResponse {
        description: proposal.description,
        one_thing: proposal.one_thing.map(reference),
        alternatives: proposal.alternatives.into_iter().map(reference).collect(),
        answers: proposal
            .answers
            .into_iter()
            .map(|a| ProposedAnswerView {
                question: a.question,
                question_text: a.question_text,
                value: a.value,
                label: a.label,
                sentence: a.sentence,
                phrase: a.phrase,
            })
            .collect(),
        fields: proposal
            .fields
            .into_iter()
            .map(|f| ProposedFieldView {
                element: f.element,
                name: f.name,
                value: f.value,
                sentence: f.sentence,
                written: f.written,
            })
            .collect(),
        notes: proposal.notes,
        contact: app::guidance::one_window_contact(&state),
    }))
}
