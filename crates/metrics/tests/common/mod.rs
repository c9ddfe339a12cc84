//! A seeded history of cases driven through the real case engine, with the ground
//! truth of what was decided for every task recorded on the way.
//!
//! Every task's fate is drawn when it is dispatched: how many working days later it
//! is accepted, whether it asks for a supplement (at most one per case, so that an
//! answer only ever resumes that task) and how long the applicant takes to answer,
//! and whether it is approved after `u` working days of its own time, rejected, or
//! left running. Events later than `today` do not happen. Since the deadline moves
//! by exactly the working days a supplement took, an approved task used exactly `u`
//! working days and was on time exactly when `u <= limit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use calendar::Calendar;
use cases::{Action, Actor, Case, CaseId};
use catalog::{Answers, Catalog, Holdings, compute_plan};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use ids::ItemCode;
use metrics::{RatingRecord, RectificationRecord};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const TODAY: (i32, u32, u32) = (2026, 7, 15);

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

/// The truth about one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Waiting,
    Dispatched,
    Accepted,
    Supplement,
    Approved,
    Rejected,
    Cancelled,
}

#[derive(Clone, Debug)]
pub struct TruthTask {
    pub item: ItemCode,
    pub department: String,
    pub limit: u32,
    pub after: Vec<ItemCode>,
    pub fate: Fate,
    pub dispatched: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// Working days of its own time used, for approved tasks (chosen).
    pub days_used: Option<u32>,
    /// Whether it ever asked for a supplement.
    pub supplement: bool,
}

#[derive(Clone, Debug)]
pub struct TruthCase {
    pub id: CaseId,
    pub one_thing: String,
    pub lead: String,
    pub start: NaiveDate,
    /// Materials the plan told the applicant to hand in.
    pub materials: usize,
    pub tasks: Vec<TruthTask>,
}

pub struct Generated {
    pub catalog: Catalog,
    pub calendar: Calendar,
    pub today: NaiveDate,
    pub cases: Vec<Case>,
    pub ratings: Vec<RatingRecord>,
    pub rectifications: Vec<RectificationRecord>,
    pub truth: Vec<TruthCase>,
}

/// The one-things cases are drawn from, with weights.
const ONE_THINGS: [(&str, u32); 8] = [
    ("newborn", 30),
    ("retirement", 20),
    ("restaurant", 20),
    ("enterprise-startup", 8),
    ("enterprise-change", 6),
    ("enterprise-relocation", 4),
    ("after-death", 6),
    ("school-enrolment", 6),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    // Same-day order: accept, then ask, then answer, then finish.
    Accept = 0,
    Request = 1,
    Answer = 2,
    Approve = 3,
    Reject = 4,
}

/// (date, kind, sequence, task index, days): `days` is the working days the
/// applicant took for an answer, and the working days used for an approval.
type Event = Reverse<(NaiveDate, Kind, u64, usize, u32)>;

fn staff(department: &str) -> Actor {
    Actor::Staff {
        account: format!("staff-{}", department.to_lowercase()),
        department: department.to_owned(),
    }
}

/// Working days after `start` (the calendar's convention).
fn add(calendar: &Calendar, start: NaiveDate, days: u32) -> NaiveDate {
    calendar.add_working_days(start, days).unwrap()
}

struct Sim<'a> {
    catalog: &'a Catalog,
    calendar: &'a Calendar,
    today: NaiveDate,
    rng: &'a mut StdRng,
    case: Case,
    truth: TruthCase,
    events: BinaryHeap<Event>,
    sequence: u64,
    clock: DateTime<Utc>,
    supplement_drawn: bool,
}

impl Sim<'_> {
    fn push(&mut self, on: NaiveDate, kind: Kind, task: usize, days: u32) {
        self.sequence += 1;
        self.events.push(Reverse((on, kind, self.sequence, task, days)));
    }

    /// Task `i` was dispatched on `on`: record it and draw its fate.
    fn dispatched(&mut self, i: usize, on: NaiveDate) {
        let limit = self.truth.tasks[i].limit;
        let deadline = add(self.calendar, on, limit);
        let task = &mut self.truth.tasks[i];
        task.fate = Fate::Dispatched;
        task.dispatched = Some(on);
        task.deadline = Some(deadline);

        let rng = &mut *self.rng;
        let accept: u32 = if rng.gen_bool(0.7) { 0 } else { 1 };
        let roll: f64 = rng.r#gen();
        if roll < 0.03 {
            let reject_after = accept + rng.gen_range(0..=limit.max(1));
            self.push(add(self.calendar, on, accept), Kind::Accept, i, 0);
            self.push(add(self.calendar, on, reject_after), Kind::Reject, i, 0);
            return;
        }
        let never = roll < 0.05;
        let used: u32 = if rng.gen_bool(0.82) {
            rng.gen_range(accept..=limit.max(accept))
        } else {
            limit + rng.gen_range(1..=8)
        };
        let supplement = !self.supplement_drawn && self.rng.gen_bool(0.08);
        self.push(add(self.calendar, on, accept), Kind::Accept, i, 0);
        if supplement {
            self.supplement_drawn = true;
            let asked_after = if never {
                accept + self.rng.gen_range(0..=2)
            } else {
                self.rng.gen_range(accept..=used)
            };
            // Most applicants answer within days (some the same day, which moves no
            // deadline but is a supplement all the same), some take weeks.
            let answer_days = if self.rng.gen_bool(0.85) {
                self.rng.gen_range(0..=8)
            } else {
                self.rng.gen_range(15..=40)
            };
            let asked = add(self.calendar, on, asked_after);
            let answered = add(self.calendar, asked, answer_days);
            self.push(asked, Kind::Request, i, 0);
            self.push(answered, Kind::Answer, i, answer_days);
            if !never {
                self.push(add(self.calendar, answered, used - asked_after), Kind::Approve, i, used);
            }
        } else if !never {
            self.push(add(self.calendar, on, used), Kind::Approve, i, used);
        }
    }

    /// A moment on `on` after every earlier event of this case.
    fn tick(&mut self, on: NaiveDate) -> DateTime<Utc> {
        let morning = Utc.from_utc_datetime(&on.and_hms_opt(1, 0, 0).unwrap());
        self.clock = morning.max(self.clock + Duration::minutes(1));
        assert_eq!(cases::china_date(self.clock), on, "too many events in one day");
        self.clock
    }

    fn act(&mut self, i: usize, action: Action, now: DateTime<Utc>) {
        let task = &self.truth.tasks[i];
        let outcome = self
            .case
            .act(
                self.catalog,
                self.calendar,
                &staff(&task.department),
                &task.item,
                action,
                now,
            )
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.case.id, task.item));
        self.case = outcome.case;
    }

    fn run(&mut self) {
        while let Some(Reverse((on, kind, _, i, days))) = self.events.pop() {
            if on > self.today {
                break;
            }
            let now = self.tick(on);
            match kind {
                Kind::Accept => {
                    self.act(i, Action::Accept, now);
                    self.truth.tasks[i].fate = Fate::Accepted;
                }
                Kind::Request => {
                    let reasons = vec!["请补充清晰的身份证明材料".to_owned()];
                    self.act(
                        i,
                        Action::RequestSupplement {
                            reasons,
                            materials: Vec::new(),
                        },
                        now,
                    );
                    self.truth.tasks[i].fate = Fate::Supplement;
                    self.truth.tasks[i].supplement = true;
                }
                Kind::Answer => {
                    let applicant = Actor::Applicant {
                        account: self.case.applicant.clone(),
                    };
                    let outcome = self
                        .case
                        .answer_supplement(self.catalog, self.calendar, &applicant, &BTreeMap::new(), "已补正", now)
                        .unwrap();
                    self.case = outcome.case;
                    let task = &mut self.truth.tasks[i];
                    task.fate = Fate::Accepted;
                    task.deadline = task.deadline.map(|d| add(self.calendar, d, days));
                }
                Kind::Approve => {
                    let outputs = self.catalog.items[&self.truth.tasks[i].item]
                        .outputs
                        .elements
                        .iter()
                        .map(|e| (e.clone(), testkit::sample_value(&self.catalog.elements[e].element_type)))
                        .collect();
                    self.act(i, Action::Approve { outputs }, now);
                    self.truth.tasks[i].fate = Fate::Approved;
                    self.truth.tasks[i].days_used = Some(days);
                    for j in 0..self.truth.tasks.len() {
                        let ready = self.truth.tasks[j].fate == Fate::Waiting
                            && self.truth.tasks[j].after.iter().all(|d| {
                                self.truth
                                    .tasks
                                    .iter()
                                    .any(|t| &t.item == d && t.fate == Fate::Approved)
                            });
                        if ready {
                            self.dispatched(j, on);
                        }
                    }
                }
                Kind::Reject => {
                    let reason = "不符合办理条件".to_owned();
                    self.act(i, Action::Reject { reason }, now);
                    self.truth.tasks[i].fate = Fate::Rejected;
                    self.cancel_dependents();
                }
            }
        }
    }

    /// Waiting tasks that depend, directly or not, on a rejected or cancelled task.
    fn cancel_dependents(&mut self) {
        loop {
            let blocked: Vec<ItemCode> = self
                .truth
                .tasks
                .iter()
                .filter(|t| matches!(t.fate, Fate::Rejected | Fate::Cancelled))
                .map(|t| t.item.clone())
                .collect();
            let mut changed = false;
            for task in &mut self.truth.tasks {
                if task.fate == Fate::Waiting && task.after.iter().any(|d| blocked.contains(d)) {
                    task.fate = Fate::Cancelled;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
}

fn weighted<'a>(rng: &mut StdRng, choices: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (choice, weight) in choices {
        if pick < *weight {
            return choice;
        }
        pick -= weight;
    }
    choices[0].0
}

fn level(rng: &mut StdRng) -> u8 {
    match rng.gen_range(0..100) {
        0..=54 => 5,
        55..=74 => 4,
        75..=84 => 3,
        85..=92 => 2,
        _ => 1,
    }
}

/// `count` cases submitted between 2026-01-05 and 2026-06-30, seen on 2026-07-15.
pub fn generate(seed: u64, count: usize) -> Generated {
    let catalog = testkit::catalog();
    let calendar = testkit::calendar();
    let today = today();
    let mut rng = StdRng::seed_from_u64(seed);
    let first = date(2026, 1, 5);
    let span = (date(2026, 6, 30) - first).num_days();
    let mut cases = Vec::with_capacity(count);
    let mut truths = Vec::with_capacity(count);
    let mut ratings = Vec::new();
    let mut rectifications = Vec::new();

    for n in 0..count {
        let one_thing = catalog.one_thing(weighted(&mut rng, &ONE_THINGS)).unwrap();
        let answers: Answers = one_thing
            .questions
            .iter()
            .map(|q| (q.id.clone(), q.options[rng.gen_range(0..q.options.len())].value.clone()))
            .collect();
        // Questions these answers do not ask are left unanswered.
        let answers = one_thing.relevant_answers(&answers);
        let start = first + Duration::days(rng.gen_range(0..=span));
        let plan = compute_plan(&catalog, one_thing, &answers, &Holdings::default(), start, &calendar).unwrap();
        let form = testkit::sample_form(&catalog, &plan);
        let now = Utc.from_utc_datetime(&start.and_hms_opt(2, 0, 0).unwrap());
        let id = CaseId::parse(&format!("YJS2026{n:06}")).unwrap();
        let applicant = format!("applicant-{n}");
        let created = Case::create(&catalog, &calendar, &plan, id.clone(), &applicant, &form, now).unwrap();
        let truth = TruthCase {
            id,
            one_thing: plan.one_thing.clone(),
            lead: plan.lead.clone(),
            start,
            materials: plan.materials.iter().filter(|m| m.is_needed()).count(),
            tasks: plan
                .items
                .iter()
                .map(|item| TruthTask {
                    item: item.code.clone(),
                    department: item.department.clone(),
                    limit: item.promised_limit_days,
                    after: item.after.clone(),
                    fate: Fate::Waiting,
                    dispatched: None,
                    deadline: None,
                    days_used: None,
                    supplement: false,
                })
                .collect(),
        };
        let mut sim = Sim {
            catalog: &catalog,
            calendar: &calendar,
            today,
            rng: &mut rng,
            case: created.case,
            truth,
            events: BinaryHeap::new(),
            sequence: 0,
            clock: now,
            supplement_drawn: false,
        };
        for i in 0..sim.truth.tasks.len() {
            if sim.truth.tasks[i].after.is_empty() {
                sim.dispatched(i, start);
            }
        }
        sim.run();
        let (case, truth) = (sim.case, sim.truth);

        // 好差评: some whole-case ratings, some department ratings, a few invalid
        // levels; bad ones order a rectification, some closed, some late.
        let mut rated: Vec<(Option<String>, u8)> = Vec::new();
        if rng.gen_bool(0.5) {
            rated.push((None, level(&mut rng)));
        }
        if rng.gen_bool(0.3) {
            let department = truth.tasks[rng.gen_range(0..truth.tasks.len())].department.clone();
            rated.push((Some(department), level(&mut rng)));
        }
        if rng.gen_bool(0.01) {
            rated.push((None, [0, 6, 9][rng.gen_range(0..3)]));
        }
        for (department, level) in rated {
            ratings.push(RatingRecord {
                case_id: truth.id.clone(),
                department: department.clone(),
                level,
            });
            if (1..=2).contains(&level) && rng.gen_bool(0.8) {
                let opened_on = start + Duration::days(rng.gen_range(0..=(today - start).num_days()));
                let deadline = add(&calendar, opened_on, 10);
                let closed_on = if rng.gen_bool(0.4) {
                    None
                } else {
                    Some(opened_on + Duration::days(rng.gen_range(1..=30))).filter(|d| *d <= today)
                };
                rectifications.push(RectificationRecord {
                    case_id: truth.id.clone(),
                    department: department.unwrap_or_else(|| truth.lead.clone()),
                    opened_on,
                    deadline,
                    closed_on,
                });
            }
        }
        cases.push(case);
        truths.push(truth);
    }

    // Records of cases outside the selection are ignored by the dashboard.
    let stranger = CaseId::parse("YJS2025999999").unwrap();
    ratings.push(RatingRecord {
        case_id: stranger.clone(),
        department: None,
        level: 1,
    });
    ratings.push(RatingRecord {
        case_id: stranger.clone(),
        department: Some("GA".into()),
        level: 2,
    });
    rectifications.push(RectificationRecord {
        case_id: stranger,
        department: "GA".into(),
        opened_on: date(2026, 3, 2),
        deadline: date(2026, 3, 16),
        closed_on: None,
    });

    Generated {
        catalog,
        calendar,
        today,
        cases,
        ratings,
        rectifications,
        truth: truths,
    }
}
