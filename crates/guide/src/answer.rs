//! Questions about a one-thing answered from the catalog's own data (智能咨询):
//! 要带什么材料, 多久能办完, 要跑几次, 在哪里办, 要多少钱.
//!
//! Nothing is made up. Each answer names the catalog fields and files it comes from
//! and links to the 一次告知, where the applicant's own answers narrow it down. What
//! the catalog does not hold (fees, today) is said to be unknown, with the one
//! window's contact, instead of guessed.

use calendar::Calendar;
use catalog::{Catalog, OneThing, Plan};
use chrono::NaiveDate;
use serde::Serialize;

use crate::search::SearchIndex;
use crate::text::{self, QueryError};

/// What a question asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Materials,
    Duration,
    Visits,
    Place,
    Fee,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::Materials,
        Topic::Duration,
        Topic::Visits,
        Topic::Place,
        Topic::Fee,
    ];

    /// The phrases that ask about the topic. Checked in this order; a question may
    /// ask about several topics at once.
    fn phrases(self) -> &'static [&'static str] {
        match self {
            Topic::Materials => &[
                "材料",
                "带什么",
                "带啥",
                "带哪些",
                "准备什么",
                "准备啥",
                "准备哪些",
                "要什么证",
                "证件",
                "什么东西",
                "啥东西",
                "要交什么",
                "提交什么",
                "拿什么",
            ],
            Topic::Duration => &[
                "多久",
                "多长时间",
                "几天",
                "多少天",
                "时限",
                "什么时候能办完",
                "什么时候办好",
                "什么时候能拿",
                "办完",
                "办好要",
                "期限",
                "快不快",
                "几个工作日",
            ],
            Topic::Visits => &[
                "跑几次",
                "几次",
                "几趟",
                "跑腿",
                "去几次",
                "要跑",
                "到现场",
                "要不要去",
                "用不用去",
                "跑一趟",
                "亲自去",
                "本人到场",
            ],
            Topic::Place => &[
                "在哪",
                "哪里办",
                "去哪",
                "地址",
                "哪个窗口",
                "哪个部门",
                "网上办",
                "线上办",
                "哪儿办",
                "什么地方",
                "谁负责",
                "找谁",
            ],
            Topic::Fee => &[
                "多少钱",
                "收费",
                "收不收费",
                "要钱",
                "免费",
                "花多少",
                "交多少钱",
                "费用多少",
                "要交钱",
                "贵不贵",
                "工本费",
                "花钱",
            ],
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Topic::Materials => "要带什么材料",
            Topic::Duration => "多久能办完",
            Topic::Visits => "要跑几次",
            Topic::Place => "在哪里办",
            Topic::Fee => "要多少钱",
        }
    }
}

/// Where an answer comes from: a catalog file and the fields read in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    pub fields: String,
}

/// One topic's answer.
#[derive(Clone, Debug, Serialize)]
pub struct TopicAnswer {
    pub topic: Topic,
    pub question: String,
    /// Whether the catalog holds the answer. When false, `text` says so and where
    /// to ask a person.
    pub answered: bool,
    pub text: String,
    /// The facts behind the text, one per line (a material, a date, a department).
    pub facts: Vec<String>,
    pub sources: Vec<Source>,
}

/// The answer to a question.
#[derive(Clone, Debug, Serialize)]
pub struct Reply {
    pub question: String,
    /// The one-thing asked about, `(id, name)`; `None` when neither given nor found.
    pub one_thing: Option<(String, String)>,
    /// The 一次告知 page, where the applicant's answers narrow everything down.
    pub notice_link: Option<String>,
    pub answers: Vec<TopicAnswer>,
    /// When nothing could be answered: what to do instead.
    pub fallback: Option<String>,
}

/// What the answers need besides the catalog: today, the calendar in force, and who
/// to ask when the catalog has no answer.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub index: &'a SearchIndex,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    pub contact: &'a str,
}

/// The topics a question asks about, in [`Topic::ALL`] order.
pub fn topics_of(question: &str) -> Vec<Topic> {
    Topic::ALL
        .into_iter()
        .filter(|topic| topic.phrases().iter().any(|phrase| question.contains(phrase)))
        .collect()
}

/// The question without its topic phrases, for finding the one-thing it is about.
fn without_topic_phrases(question: &str) -> String {
    let mut rest = question.to_owned();
    for topic in Topic::ALL {
        for phrase in topic.phrases() {
            rest = rest.replace(phrase, " ");
        }
    }
    rest
}

/// Answers `question` about `one_thing` (an id), or about the one-thing search finds
/// in the question when none is given.
pub fn ask(context: &Context<'_>, question: &str, one_thing: Option<&str>) -> Result<Reply, QueryError> {
    let question = text::normalize(question, text::MAX_QUERY_CHARS, false)?;
    let topics = topics_of(&question);
    let found = match one_thing {
        Some(id) => context.catalog.one_thing(id),
        None => {
            let rest = without_topic_phrases(&question);
            context
                .index
                .search(&rest)
                .ok()
                .and_then(|result| result.one_things.into_iter().next())
                .and_then(|hit| context.catalog.one_thing(&hit.id))
        }
    };
    let Some(one) = found else {
        return Ok(Reply {
            question,
            one_thing: None,
            notice_link: None,
            answers: Vec::new(),
            fallback: Some(format!(
                "没有找到您问的是哪一件事。请说明要办的事（例如“新生儿出生要带什么材料”），或咨询人工：{}。",
                context.contact
            )),
        });
    };
    let notice_link = format!("/one-things/{}", one.id);
    if topics.is_empty() {
        return Ok(Reply {
            question,
            one_thing: Some((one.id.to_string(), one.name.clone())),
            notice_link: Some(notice_link),
            answers: Vec::new(),
            fallback: Some(format!(
                "可以问“{}”要带什么材料、多久能办完、要跑几次、在哪里办、要多少钱；其他问题请查看一次告知或咨询人工：{}。",
                one.name, context.contact
            )),
        });
    }
    // The plan under which the most items apply: an upper bound until the applicant
    // answers the situation questions on the notice page.
    let plan = catalog::example::fullest_plan(context.catalog, one, context.today, context.calendar).ok();
    let answers = topics
        .into_iter()
        .map(|topic| answer(context, one, plan.as_ref(), topic))
        .collect();
    Ok(Reply {
        question,
        one_thing: Some((one.id.to_string(), one.name.clone())),
        notice_link: Some(notice_link),
        answers,
        fallback: None,
    })
}

fn one_thing_file(one: &OneThing) -> String {
    format!("onethings/{}.toml", one.id)
}

fn unanswered(topic: Topic, text: String) -> TopicAnswer {
    TopicAnswer {
        topic,
        question: topic.label_zh().to_owned(),
        answered: false,
        text,
        facts: Vec::new(),
        sources: Vec::new(),
    }
}

fn answer(context: &Context<'_>, one: &OneThing, plan: Option<&Plan>, topic: Topic) -> TopicAnswer {
    let no_plan = || {
        unanswered(
            topic,
            format!("暂时无法按目录计算这件事的安排，请咨询人工：{}。", context.contact),
        )
    };
    match topic {
        Topic::Materials => {
            let Some(plan) = plan else { return no_plan() };
            let mut facts = Vec::new();
            let needed: Vec<&str> = plan
                .materials
                .iter()
                .filter(|m| m.is_needed_without_consent())
                .map(|m| m.name.as_str())
                .collect();
            for material in &plan.materials {
                let how = match &material.status {
                    catalog::plan::MaterialStatus::Needed => "需要提交".to_owned(),
                    catalog::plan::MaterialStatus::HeldCertificate { .. } => "已持有电子证照，免提交".to_owned(),
                    catalog::plan::MaterialStatus::ProducedBy { item } => {
                        format!("由本事项中的 {item} 办理时生成，免提交")
                    }
                    catalog::plan::MaterialStatus::SharedData { on_consent, .. } => {
                        if *on_consent {
                            "经您授权后由部门共享获取，不授权则需提交".to_owned()
                        } else {
                            "由部门共享获取，免提交".to_owned()
                        }
                    }
                    catalog::plan::MaterialStatus::CertificateLibrary { on_consent, .. } => {
                        if *on_consent {
                            "经您授权后从电子证照库调取，不授权则需提交".to_owned()
                        } else {
                            "从电子证照库调取，免提交".to_owned()
                        }
                    }
                };
                facts.push(format!("{}：{}（{}）", material.name, how, material.kind));
            }
            TopicAnswer {
                topic,
                question: topic.label_zh().to_owned(),
                answered: true,
                text: format!(
                    "按情形最多的情况（{}个事项），一套材料共{}份，其中可能需要您提交的有{}份：{}。回答情形问题后，一次告知会列出您实际需要的材料。",
                    plan.items.len(),
                    plan.materials.len(),
                    needed.len(),
                    if needed.is_empty() {
                        "无".to_owned()
                    } else {
                        needed.join("、")
                    }
                ),
                facts,
                sources: vec![
                    Source {
                        file: one_thing_file(one),
                        fields: "member、material_rule".to_owned(),
                    },
                    Source {
                        file: "items/*.toml".to_owned(),
                        fields: "materials".to_owned(),
                    },
                    Source {
                        file: "materials.toml".to_owned(),
                        fields: "name、kind".to_owned(),
                    },
                ],
            }
        }
        Topic::Duration => {
            let Some(plan) = plan else { return no_plan() };
            let estimated = if plan.promised_date_provisional {
                "（预计）"
            } else {
                ""
            };
            let facts = plan
                .items
                .iter()
                .map(|item| {
                    format!(
                        "{}（{}）：承诺{}个工作日，法定{}个工作日，最迟{}",
                        item.name,
                        item.department_name,
                        item.promised_limit_days,
                        item.legal_limit_days,
                        item.due_date.format("%Y年%m月%d日")
                    )
                })
                .collect();
            TopicAnswer {
                topic,
                question: topic.label_zh().to_owned(),
                answered: true,
                text: format!(
                    "各部门并联办理，按承诺时限共{}个工作日：今天（{}）受理的，最迟{}{}办结（{}）。单独逐项办理合计{}个工作日。",
                    plan.critical_path_days,
                    context.today.format("%Y年%m月%d日"),
                    plan.promised_date.format("%Y年%m月%d日"),
                    estimated,
                    plan.calendar_basis,
                    plan.savings.days.alone
                ),
                facts,
                sources: vec![
                    Source {
                        file: "items/*.toml".to_owned(),
                        fields: "promised_limit_days、legal_limit_days".to_owned(),
                    },
                    Source {
                        file: one_thing_file(one),
                        fields: "member.after（办理顺序）".to_owned(),
                    },
                    Source {
                        file: "calendar/*.toml".to_owned(),
                        fields: "节假日与调休".to_owned(),
                    },
                ],
            }
        }
        Topic::Visits => {
            let alone = plan.map(|p| p.savings.visits.alone);
            TopicAnswer {
                topic,
                question: topic.label_zh().to_owned(),
                answered: true,
                text: match (one.visits, alone) {
                    (0, Some(alone)) => format!("全程网上办，不用跑（单独逐项办理需跑{alone}次）。"),
                    (0, None) => "全程网上办，不用跑。".to_owned(),
                    (visits, Some(alone)) => format!("最多跑{visits}次（单独逐项办理需跑{alone}次）。"),
                    (visits, None) => format!("最多跑{visits}次。"),
                },
                facts: Vec::new(),
                sources: vec![
                    Source {
                        file: one_thing_file(one),
                        fields: "visits".to_owned(),
                    },
                    Source {
                        file: "items/*.toml".to_owned(),
                        fields: "visits_alone".to_owned(),
                    },
                ],
            }
        }
        Topic::Place => {
            let lead = context.catalog.department_name(&one.lead);
            let mut departments: Vec<&str> = plan
                .map(|p| p.items.iter().map(|i| i.department_name.as_str()).collect())
                .unwrap_or_default();
            departments.dedup();
            departments.sort_unstable();
            departments.dedup();
            TopicAnswer {
                topic,
                question: topic.label_zh().to_owned(),
                answered: true,
                text: format!(
                    "网上在本平台“{}”页面申请，一表提交，各部门并联办理；需要到现场的，到{}。牵头部门是{}。",
                    one.name, context.contact, lead
                ),
                facts: departments.into_iter().map(|d| format!("参与部门：{d}")).collect(),
                sources: vec![
                    Source {
                        file: one_thing_file(one),
                        fields: "lead".to_owned(),
                    },
                    Source {
                        file: "departments.toml".to_owned(),
                        fields: "name、contact".to_owned(),
                    },
                ],
            }
        }
        Topic::Fee => unanswered(
            topic,
            format!(
                "目录中没有“{}”的收费信息，我们不作推测。请咨询人工：{}。",
                one.name, context.contact
            ),
        ),
    }
}
